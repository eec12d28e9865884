// Drives `frugal serve` with the npm `mlflow` package (a third-party MLflow REST client, pinned in
// package.json) the way a Node training script would. FRUGAL_URL and AGENT/MEMBER tokens come
// from the environment; exits 1 naming the first difference.
const MLflow = require('mlflow').default || require('mlflow');
const assert = require('assert');

console.log = () => {};  // the client prints every request body
const agent = new MLflow({endpoint: process.env.FRUGAL_URL, headers: {Authorization: `Bearer ${process.env.AGENT}`}});
const member = new MLflow({endpoint: process.env.FRUGAL_URL, headers: {Authorization: `Bearer ${process.env.MEMBER}`}});

(async () => {
  const {experiment_id} = await agent.Experiments.create({name: 'node-client'});
  const {experiment} = await member.Experiments.get({experiment_id});
  assert.strictEqual(experiment.name, 'node-client');

  const start = 1764000000000;
  const {run} = await agent.Runs.create({experiment_id, user_id: 'bo', start_time: start,
                                         tags: [{key: 'frugal.project', value: 'node'}]});
  const run_id = run.info.run_id;
  // A member lists the experiments its team's runs are in.
  const {experiments} = await member.Experiments.list({});
  assert.ok(experiments.some(e => e.experiment_id === experiment_id), 'list shows the experiment of the team\'s run');
  await agent.Runs.logParameter({run_id, key: 'lr', value: '0.3'});
  await agent.Runs.setTag({run_id, key: 'frugal.model', value: 'gbm'});
  for (let step = 0; step < 3; step++)
    await agent.Runs.logMetric({run_id, key: 'auc', value: 0.7 + step / 10, timestamp: start + step, step});
  await agent.Runs.logBatch({run_id, metrics: [{key: 'loss', value: 0.2, timestamp: start, step: 0}],
                             params: [{key: 'depth', value: '6'}], tags: [{key: 'note', value: 'batch'}]});
  await agent.Runs.update({run_id, status: 'FINISHED', end_time: start + 60000});

  const got = await member.Runs.get({run_id});
  assert.strictEqual(got.run.info.status, 'FINISHED');
  assert.strictEqual(got.run.info.user_id, 'bo');
  const params = Object.fromEntries(got.run.data.params.map(p => [p.key, p.value]));
  assert.deepStrictEqual(params, {depth: '6', lr: '0.3'});
  const history = await member.Metrics.getHistory({run_id, metric_key: 'auc'});
  assert.deepStrictEqual(history.metrics.map(m => m.step), [0, 1, 2]);
  const found = await member.Runs.search({experiment_ids: [experiment_id], filter: "metrics.auc > 0.85 and params.lr = '0.3'"});
  assert.deepStrictEqual(found.runs.map(r => r.info.run_id), [run_id]);

  // Errors reach the client as MLflow's {error_code, message}.
  await assert.rejects(member.Runs.logMetric({run_id, key: 'x', value: 1, timestamp: start, step: 0}), /PERMISSION_DENIED/);
  await assert.rejects(agent.Runs.get({run_id: '999999'}), /PERMISSION_DENIED|RESOURCE_DOES_NOT_EXIST/);
})().catch(e => {
  process.stderr.write(`FAIL: ${e.stack || e}\n`);
  process.exit(1);
});
