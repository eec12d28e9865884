// libcurl, loaded when a request is first made rather than when frugal starts. Linking it costs
// every command the loading of its ~30 dependent libraries (TLS, LDAP, SSH, Kerberos, ...): 3.6 ms
// of a 5.9 ms `frugal --version` here, for the many commands that never touch the network
// (`frugal data get` on a hit, `frugal sql`, `frugal top`). bench/data/run.sh measures a hit.
//
// This file defines the few libcurl functions Frugal calls, with libcurl's own names and
// signatures, each forwarding to the real one found with dlopen/dlsym. Callers use libcurl as
// usual. When libcurl.so.4 is missing, curl_easy_init gives null and curl_global_init an error,
// which callers already report ("libcurl handle").
#define CURL_DISABLE_TYPECHECK  // the type-checking macros would rename the definitions below
#include <curl/curl.h>
#include <dlfcn.h>

#include <cstdarg>
#include <mutex>

namespace {

struct Curl {
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_perform)(CURL*) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
  bool loaded = false;
};

template <typename F>
bool find(void* library, const char* name, F& into) {
  into = reinterpret_cast<F>(::dlsym(library, name));
  return into != nullptr;
}

const Curl& curl() {
  static Curl c;
  static std::once_flag once;
  std::call_once(once, [] {
    void* library = ::dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) return;
    c.loaded = find(library, "curl_global_init", c.global_init) && find(library, "curl_easy_init", c.easy_init) &&
               find(library, "curl_easy_cleanup", c.easy_cleanup) && find(library, "curl_easy_setopt", c.easy_setopt) &&
               find(library, "curl_easy_perform", c.easy_perform) && find(library, "curl_easy_getinfo", c.easy_getinfo) &&
               find(library, "curl_easy_strerror", c.easy_strerror) &&
               find(library, "curl_slist_append", c.slist_append) &&
               find(library, "curl_slist_free_all", c.slist_free_all);
  });
  return c;
}

}  // namespace

extern "C" {

CURLcode curl_global_init(long flags) { return curl().loaded ? curl().global_init(flags) : CURLE_FAILED_INIT; }

CURL* curl_easy_init() {
  if (!curl().loaded) return nullptr;
  static const CURLcode initialised = curl().global_init(CURL_GLOBAL_DEFAULT);  // once, before any handle
  return initialised == CURLE_OK ? curl().easy_init() : nullptr;
}

void curl_easy_cleanup(CURL* handle) {
  if (curl().loaded) curl().easy_cleanup(handle);
}

// Every option takes one argument, whose type its number's range tells (curl.h: CURLOPTTYPE_*).
CURLcode curl_easy_setopt(CURL* handle, CURLoption option, ...) {
  if (!curl().loaded) return CURLE_FAILED_INIT;
  va_list args;
  va_start(args, option);
  CURLcode rc;
  if (option < CURLOPTTYPE_OBJECTPOINT) {
    rc = curl().easy_setopt(handle, option, va_arg(args, long));
  } else if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB) {
    rc = curl().easy_setopt(handle, option, va_arg(args, curl_off_t));
  } else {  // object, string, list, callback data, function pointer or blob: all pointer-sized
    rc = curl().easy_setopt(handle, option, va_arg(args, void*));
  }
  va_end(args);
  return rc;
}

CURLcode curl_easy_perform(CURL* handle) { return curl().loaded ? curl().easy_perform(handle) : CURLE_FAILED_INIT; }

// Every CURLINFO fills one pointer.
CURLcode curl_easy_getinfo(CURL* handle, CURLINFO info, ...) {
  if (!curl().loaded) return CURLE_FAILED_INIT;
  va_list args;
  va_start(args, info);
  CURLcode rc = curl().easy_getinfo(handle, info, va_arg(args, void*));
  va_end(args);
  return rc;
}

const char* curl_easy_strerror(CURLcode code) {
  return curl().loaded ? curl().easy_strerror(code) : "libcurl.so.4 could not be loaded (install libcurl4)";
}

curl_slist* curl_slist_append(curl_slist* list, const char* text) {
  return curl().loaded ? curl().slist_append(list, text) : nullptr;
}

void curl_slist_free_all(curl_slist* list) {
  if (curl().loaded) curl().slist_free_all(list);
}

}  // extern "C"
