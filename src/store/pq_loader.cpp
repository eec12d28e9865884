// libpq, loaded when a PostgreSQL database is first opened rather than when frugal starts.
// Linking it would cost every command (most of which use SQLite, or no database at all) the
// loading of libpq's Kerberos, LDAP and SASL libraries; src/objects/curl_loader.cpp measured the
// same for libcurl at 3.6 ms of a 5.9 ms `frugal --version`.
//
// This file defines the libpq functions PgStore calls, with libpq's own names and signatures,
// each forwarding to the real one found with dlopen/dlsym. pq_loaded() says whether the library is
// there; no other function may be called when it is not.
#include <dlfcn.h>
#include <libpq-fe.h>

#include <mutex>

#include "store/pq_loader.h"

// Every function PgStore uses: return type, name, parameter list, argument list.
#define FRUGAL_PQ_FUNCTIONS(X)                                                                            \
  X(PGconn*, PQconnectdb, (const char* c), (c))                                                          \
  X(void, PQfinish, (PGconn * c), (c))                                                                    \
  X(void, PQreset, (PGconn * c), (c))                                                                     \
  X(char*, PQhost, (const PGconn* c), (c))                                                                \
  X(char*, PQport, (const PGconn* c), (c))                                                                \
  X(ConnStatusType, PQstatus, (const PGconn* c), (c))                                                     \
  X(PGTransactionStatusType, PQtransactionStatus, (const PGconn* c), (c))                                 \
  X(char*, PQerrorMessage, (const PGconn* c), (c))                                                        \
  X(PQnoticeProcessor, PQsetNoticeProcessor, (PGconn * c, PQnoticeProcessor p, void* a), (c, p, a))      \
  X(PGresult*, PQexec, (PGconn * c, const char* q), (c, q))                                               \
  X(PGresult*, PQexecParams,                                                                              \
    (PGconn * c, const char* q, int n, const Oid* t, const char* const* v, const int* l, const int* f, int r), \
    (c, q, n, t, v, l, f, r))                                                                             \
  X(PGresult*, PQprepare, (PGconn * c, const char* s, const char* q, int n, const Oid* t), (c, s, q, n, t)) \
  X(PGresult*, PQexecPrepared,                                                                            \
    (PGconn * c, const char* s, int n, const char* const* v, const int* l, const int* f, int r),          \
    (c, s, n, v, l, f, r))                                                                                \
  X(int, PQsendQueryParams,                                                                               \
    (PGconn * c, const char* q, int n, const Oid* t, const char* const* v, const int* l, const int* f, int r), \
    (c, q, n, t, v, l, f, r))                                                                             \
  X(int, PQsetSingleRowMode, (PGconn * c), (c))                                                           \
  X(PGcancel*, PQgetCancel, (PGconn * c), (c))                                                            \
  X(int, PQcancel, (PGcancel * k, char* b, int n), (k, b, n))                                             \
  X(void, PQfreeCancel, (PGcancel * k), (k))                                                              \
  X(PGresult*, PQgetResult, (PGconn * c), (c))                                                            \
  X(int, PQputCopyData, (PGconn * c, const char* b, int n), (c, b, n))                                    \
  X(int, PQputCopyEnd, (PGconn * c, const char* e), (c, e))                                               \
  X(ExecStatusType, PQresultStatus, (const PGresult* r), (r))                                             \
  X(char*, PQcmdStatus, (PGresult * r), (r))                                                             \
  X(char*, PQresultErrorMessage, (const PGresult* r), (r))                                                \
  X(char*, PQresultErrorField, (const PGresult* r, int f), (r, f))                                        \
  X(int, PQntuples, (const PGresult* r), (r))                                                             \
  X(int, PQnfields, (const PGresult* r), (r))                                                             \
  X(char*, PQfname, (const PGresult* r, int f), (r, f))                                                   \
  X(Oid, PQftype, (const PGresult* r, int f), (r, f))                                                     \
  X(char*, PQcmdTuples, (PGresult * r), (r))                                                              \
  X(char*, PQgetvalue, (const PGresult* r, int t, int f), (r, t, f))                                      \
  X(int, PQgetlength, (const PGresult* r, int t, int f), (r, t, f))                                       \
  X(int, PQgetisnull, (const PGresult* r, int t, int f), (r, t, f))                                       \
  X(void, PQclear, (PGresult * r), (r))                                                                   \
  X(void, PQfreemem, (void* p), (p))                                                                      \
  X(char*, PQescapeIdentifier, (PGconn * c, const char* s, size_t n), (c, s, n))                         \
  X(char*, PQescapeLiteral, (PGconn * c, const char* s, size_t n), (c, s, n))

namespace {

struct Pq {
// The X-macro's arguments are a type, a name and a parameter list: parentheses would break them.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define FRUGAL_PQ_POINTER(ret, name, params, args) ret(*name) params = nullptr;
// NOLINTEND(bugprone-macro-parentheses)
  FRUGAL_PQ_FUNCTIONS(FRUGAL_PQ_POINTER)
#undef FRUGAL_PQ_POINTER
  bool loaded = false;
};

const Pq& pq() {
  static Pq p;
  static std::once_flag once;
  std::call_once(once, [] {
    void* library = ::dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (!library) return;
    bool all = true;
// As FRUGAL_PQ_POINTER: a type and a parameter list cannot take parentheses.
// NOLINTBEGIN(bugprone-macro-parentheses)
#define FRUGAL_PQ_FIND(ret, name, params, args) \
  all = all && (p.name = reinterpret_cast<ret(*) params>(::dlsym(library, #name))) != nullptr;
// NOLINTEND(bugprone-macro-parentheses)
    FRUGAL_PQ_FUNCTIONS(FRUGAL_PQ_FIND)
#undef FRUGAL_PQ_FIND
    p.loaded = all;
  });
  return p;
}

}  // namespace

namespace frugal::store {
bool pq_loaded() { return pq().loaded; }
}  // namespace frugal::store

extern "C" {
#define FRUGAL_PQ_FORWARD(ret, name, params, args) \
  ret name params { return pq().name args; }
FRUGAL_PQ_FUNCTIONS(FRUGAL_PQ_FORWARD)
#undef FRUGAL_PQ_FORWARD
}
