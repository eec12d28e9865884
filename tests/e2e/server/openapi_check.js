// Checks `frugal serve`'s OpenAPI document against the server itself (tests/e2e/
// server_answers_as_its_openapi_says.bash): the document is valid OpenAPI 3.0.3
// (@apidevtools/swagger-parser), every route is documented, and each documented route, called as
// its documentation says (the role its access names, the body of its example, the query of its
// parameters' examples), answers a documented status with a body its schema allows (ajv; objects
// may hold no field the schema lacks). Then the refusals: no token (401), a role the route does
// not take (403), a body over the limit (413), an id that names nothing (404), a conflict (409),
// and a token over its rate (429, from a second server started with --rate 1).
// Needs FRUGAL_URL, RATE_URL (the --rate 1 server), BODY_LIMIT_BYTES and the tokens ADMIN, AGENT,
// MEMBER (team vision).
"use strict";
const SwaggerParser = require("@apidevtools/swagger-parser");
const Ajv = require("ajv");

const URL_BASE = process.env.FRUGAL_URL;
const RATE_URL = process.env.RATE_URL;
const BODY_LIMIT = Number(process.env.BODY_LIMIT_BYTES);
const TOKENS = { ADMIN: process.env.ADMIN, AGENT: process.env.AGENT, MEMBER: process.env.MEMBER };
const ROLE_TOKEN = { agent: "AGENT", member: "MEMBER", admin: "ADMIN", any: "MEMBER" };
const REFUSED_ROLE = { agent: "MEMBER", member: "AGENT", admin: "MEMBER" };  // a role each access does not take
const ABSENT = "999999999";
// A documented answer other than a success, where no request this test can make gets one.
const NOT_2XX = {
  dismissRecommendation: "no recommendation exists before `frugal advise` has run over real data",
};

const failures = [];
const fail = (what) => failures.push(what);
const answered = {};

async function call(method, path, { token, apiKey = false, body, base = URL_BASE, raw } = {}) {
  const headers = {};
  if (token) headers[apiKey ? "x-api-key" : "authorization"] = apiKey ? token : `Bearer ${token}`;
  let payload;
  if (raw !== undefined) payload = raw;
  else if (body !== undefined) payload = JSON.stringify(body);
  if (payload !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(base + path, { method, headers, body: payload });
  const text = await r.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, type: r.headers.get("content-type") || "", text, json, headers: r.headers };
}

async function must(promise, what) {
  const r = await promise;
  if (r.status >= 300) throw new Error(`setup: ${what}: ${r.status} ${r.text.slice(0, 200)}`);
  return r.json;
}

// ---- schemas: OpenAPI 3.0's dialect as ajv reads it, objects closed -------------------------
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
ajv.addFormat("date", /^\d{4}-\d{2}-\d{2}$/);
ajv.addFormat("int64", { type: "number", validate: Number.isInteger });
ajv.addFormat("int32", { type: "number", validate: (n) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });

// OpenAPI 3.0's boolean exclusiveMinimum as JSON Schema's number; with `closed`, an object with
// listed properties and no word on others takes no others (what the server sends is all listed).
function dialect(schema, closed) {
  if (Array.isArray(schema)) return schema.map((s) => dialect(s, closed));
  if (!schema || typeof schema !== "object") return schema;
  const out = {};
  for (const [k, v] of Object.entries(schema)) out[k] = k === "example" || k === "enum" ? v : dialect(v, closed);
  for (const [flag, bound] of [["exclusiveMinimum", "minimum"], ["exclusiveMaximum", "maximum"]]) {
    if (out[flag] === true) {
      out[flag] = out[bound];
      delete out[bound];
    } else if (out[flag] === false) delete out[flag];
  }
  if (closed && out.properties && !("additionalProperties" in out)) out.additionalProperties = false;
  return out;
}

const compiled = new Map();
function validator(schema, closed) {
  const key = JSON.stringify([schema, closed]);
  if (!compiled.has(key)) compiled.set(key, ajv.compile(dialect(schema, closed)));
  return compiled.get(key);
}

function check_schema(schema, value, closed, what) {
  const validate = validator(schema, closed);
  if (!validate(value)) {
    const errors = validate.errors.slice(0, 5).map((e) =>
      `${e.instancePath || "/"} ${e.message}${e.params.additionalProperty ? ` ('${e.params.additionalProperty}')` : ""}`);
    fail(`${what}: ${errors.join("; ")}\n      got ${JSON.stringify(value).slice(0, 300)}`);
  }
}

// ---- the document --------------------------------------------------------------------------
async function main() {
  const served = await call("GET", "/api/openapi.json");
  if (served.status !== 200 || !served.json) throw new Error(`GET /api/openapi.json: ${served.status}`);
  const doc = served.json;
  if (doc.openapi !== "3.0.3") fail(`openapi is ${doc.openapi}, not 3.0.3`);
  try {
    await SwaggerParser.validate(structuredClone(doc));
  } catch (e) {
    fail(`swagger-parser: ${e.message}`);
  }
  const deref = await SwaggerParser.dereference(structuredClone(doc));

  const ops = [];
  const ids = new Set();
  for (const [path, methods] of Object.entries(deref.paths))
    for (const [method, op] of Object.entries(methods)) {
      const name = `${method.toUpperCase()} ${path}`;
      ops.push({ method: method.toUpperCase(), path, op, name });
      if (!op.operationId) fail(`${name}: no operationId`);
      else if (ids.has(op.operationId)) fail(`${name}: operationId ${op.operationId} twice`);
      ids.add(op.operationId);
      if (op["x-frugal-undocumented"]) fail(`${name}: not documented (src/server/*_routes_doc.cpp)`);
      const open = op["x-frugal-access"] === "open";
      if (open && (op.responses["401"] || op.responses["403"] || op.security))
        fail(`${name}: a public route documents a token or 401/403`);
      if (!open && !(op.responses["401"] && op.responses["429"])) fail(`${name}: no 401 or 429 documented`);
      if (op.requestBody) {
        const media = op.requestBody.content["application/json"];
        if (media.example === undefined) fail(`${name}: a request body without an example`);
        else check_schema(media.schema, media.example, false, `${name}: its body example`);
      }
      for (const p of op.parameters || [])
        if (p.required && p.in !== "path" && p.example === undefined) fail(`${name}: required ${p.in} '${p.name}' without an example`);
    }

  // ---- what the calls name: a run of their own each, a run with data to read, an experiment ----
  const fresh_run = async () =>
    String((await must(call("POST", "/api/v1/runs", { token: TOKENS.AGENT, body: { name: "openapi" } }), "a run")).id);
  const read_run = await fresh_run();
  await must(call("POST", `/api/v1/runs/${read_run}/metrics`, {
    token: TOKENS.AGENT,
    body: { metrics: [1, 2, 3].map((step) => ({ key: "loss", value: 1 / step, step })) },
  }), "metrics");
  await must(call("POST", `/api/v1/runs/${read_run}/samples`, {
    token: TOKENS.AGENT,
    body: { samples: [{ time: "2026-11-26T10:00:00Z", gpu_index: 0, gpu_util_pct: 90, gpu_mem_bytes: 1 << 30 },
                      // Host samples for GET .../samples: one with its memory unmeasured (null in its bucket).
                      { time: "2026-11-26T10:00:00Z", cpu_pct: 150.5, rss_bytes: 1 << 28 },
                      { time: "2026-11-26T10:00:05Z", cpu_pct: 90 }] },
  }), "samples");
  const experiment = (await must(call("POST", "/api/2.0/mlflow/experiments/create", {
    token: TOKENS.AGENT, body: { name: "openapi-check" } }), "an experiment")).experiment_id;
  await must(call("POST", "/api/v1/tokens", { token: TOKENS.ADMIN, body: { role: "member", team: "spare" } }), "a token");
  const spare_token = String(Math.max(...(await must(call("GET", "/api/v1/tokens", { token: TOKENS.ADMIN }), "tokens")).tokens.map((t) => t.id)));

  // Each id a request names, real: path {id}, and run_id, run and experiment_id in bodies and queries.
  const is_run_path = (path) => /^\/(api\/v1\/runs|arcee\/v2\/runs?)\/\{id\}/.test(path);
  async function request(o, ids) {
    const params = o.op.parameters || [];
    let path = o.path;
    for (const p of params.filter((p) => p.in === "path")) {
      let value = p.example;
      if (p.name === "id" && is_run_path(o.path)) value = ids.run;
      if (o.path.startsWith("/api/v1/tokens/")) value = ids.token;
      path = path.replace(`{${p.name}}`, encodeURIComponent(String(value)));
    }
    const query = [];
    for (const p of params.filter((p) => p.in === "query" && p.example !== undefined)) {
      let value = p.example;
      if (p.name === "run_id") value = ids.run;
      if (p.name === "experiment_id") value = ids.experiment;
      query.push(`${encodeURIComponent(p.name)}=${encodeURIComponent(String(value))}`);
    }
    if (query.length) path += "?" + query.join("&");
    let body;
    if (o.op.requestBody) {
      body = structuredClone(o.op.requestBody.content["application/json"].example);
      for (const k of ["run_id", "run"]) if (k in body) body[k] = ids.run;
      if ("experiment_id" in body) body.experiment_id = ids.experiment;
      if ("experiment_ids" in body) body.experiment_ids = [ids.experiment];
    }
    const access = o.op["x-frugal-access"];
    const token = access === "open" ? undefined : TOKENS[ROLE_TOKEN[access]];
    const apiKey = !!(o.op.security && o.op.security[0].apiKey);
    return { method: o.method, path, body, token, apiKey };
  }

  // Does the answer match what the document says of it?
  function check_answer(o, r, what) {
    const documented = o.op.responses[String(r.status)];
    answered[r.status] = (answered[r.status] || 0) + 1;
    if (!documented) {
      fail(`${what}: ${r.status} is not documented (${Object.keys(o.op.responses).join(", ")}): ${r.text.slice(0, 200)}`);
      return;
    }
    const content = documented.content;
    if (!content) {
      if (r.text !== "") fail(`${what}: ${r.status} documents no body, got ${r.text.slice(0, 100)}`);
      return;
    }
    const [media, spec] = Object.entries(content)[0];
    if (!r.type.startsWith(media)) fail(`${what}: ${r.status} came as ${r.type}, documented ${media}`);
    if (media === "application/json") {
      if (r.json === undefined) fail(`${what}: ${r.status}: not JSON: ${r.text.slice(0, 100)}`);
      else check_schema(spec.schema, r.json, true, `${what}: ${r.status} body`);
    } else {
      check_schema(spec.schema, r.text, true, `${what}: ${r.status} body`);
    }
  }

  // ---- every route, called as documented: writes first, so that reads find what they made ----
  const order = { POST: 0, PUT: 1, PATCH: 2, GET: 3, DELETE: 4 };
  ops.sort((a, b) => order[a.method] - order[b.method] || a.path.localeCompare(b.path));
  let successes = 0;
  for (const o of ops) {
    const ids = { run: o.method === "GET" ? read_run : await fresh_run(), experiment, token: spare_token };
    const req = await request(o, ids);
    const r = await call(req.method, req.path, req);
    check_answer(o, r, `${o.name} (as documented)`);
    if (r.status < 300) successes++;
    else if (!NOT_2XX[o.op.operationId]) fail(`${o.name} (as documented): ${r.status}, not a success: ${r.text.slice(0, 200)}`);
  }

  // ---- the refusals each route documents ----------------------------------------------------
  let refusals = 0;
  for (const o of ops) {
    const access = o.op["x-frugal-access"];
    if (access === "open") continue;
    const ids = { run: read_run, experiment, token: spare_token };
    const req = await request(o, ids);
    let r = await call(req.method, req.path, { ...req, token: undefined });
    if (r.status !== 401) fail(`${o.name} without a token: ${r.status}, not 401`);
    check_answer(o, r, `${o.name} without a token`);
    refusals++;
    if (REFUSED_ROLE[access]) {
      r = await call(req.method, req.path, { ...req, token: TOKENS[REFUSED_ROLE[access]] });
      if (r.status !== 403) fail(`${o.name} as ${REFUSED_ROLE[access]}: ${r.status}, not 403`);
      check_answer(o, r, `${o.name} as ${REFUSED_ROLE[access]}`);
      refusals++;
    }
    if (o.op.requestBody) {
      r = await call(req.method, req.path, { ...req, raw: " ".repeat(BODY_LIMIT + 1) });
      if (r.status !== 413) fail(`${o.name} with a body over the limit: ${r.status}, not 413`);
      check_answer(o, r, `${o.name} with a body over the limit`);
      refusals++;
    }
    // An id that names nothing, as an admin (others are told 403 of what they may not see): a
    // documented answer, and the 404 where one is documented.
    const absent = await request(o, { run: ABSENT, experiment: ABSENT, token: ABSENT });
    if (absent.path.includes(ABSENT) || JSON.stringify(absent.body || {}).includes(ABSENT)) {
      r = await call(absent.method, absent.path, { ...absent, token: TOKENS.ADMIN });
      if (o.op.responses["404"] && r.status !== 404) fail(`${o.name} naming an absent id: ${r.status}, not 404`);
      check_answer(o, r, `${o.name} naming an absent id`);
      refusals++;
    }
  }

  // Conflicts: a run ended twice, an experiment made twice, a sample after its run's end.
  const by_id = Object.fromEntries(ops.map((o) => [o.op.operationId, o]));
  const conflict = async (id, req, what) => {
    const r = await call(req.method, req.path, req);
    if (r.status !== 409) fail(`${what}: ${r.status}, not 409: ${r.text.slice(0, 200)}`);
    check_answer(by_id[id], r, what);
    refusals++;
  };
  {
    const run = await fresh_run();
    const req = await request(by_id.finishRun, { run });
    await call(req.method, req.path, req);
    await conflict("finishRun", req, "a run ended twice");
    const again = await request(by_id.mlflowCreateExperiment, {});
    await conflict("mlflowCreateExperiment", again, "an experiment of a name that exists");
    const arcee = await fresh_run();
    const end = await request(by_id.arceeUpdateRun, { run: arcee });
    await must(call(end.method, end.path, end), "an arcee run ended");
    await conflict("arceeLogProcStats", await request(by_id.arceeLogProcStats, { run: arcee }), "a sample after the run ended");
  }

  // Over the token's rate: the second server takes one request a second (bursts of two).
  {
    let limited;
    for (let i = 0; i < 10 && !limited; i++) {
      const r = await call("GET", "/api/v1/me", { token: TOKENS.MEMBER, base: RATE_URL });
      if (r.status === 429) limited = r;
    }
    if (!limited) fail("GET /api/v1/me ten times a second on a --rate 1 server: never 429");
    else {
      if (!limited.headers.get("retry-after")) fail("429 without Retry-After");
      check_answer(by_id.getMe, limited, "GET /api/v1/me over the token's rate");
      refusals++;
    }
  }

  console.error(`${ops.length} operations, ${successes} answered with a success as documented, ${refusals} refusals checked; ` +
                `statuses ${JSON.stringify(answered)}; ${failures.length} failures`);
  for (const f of failures) console.error("FAIL:", f);
  process.exit(failures.length ? 1 : 0);
}

main().catch((e) => {
  console.error("FAIL:", e.stack || e.message);
  process.exit(1);
});
