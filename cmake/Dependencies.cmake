# Each system library becomes one imported target, so subsystem CMakeLists name targets, not paths.
find_package(PkgConfig REQUIRED)
find_package(SQLite3 REQUIRED)            # SQLite::SQLite3
find_package(fmt REQUIRED)                # fmt::fmt
find_package(nlohmann_json 3.10 REQUIRED) # nlohmann_json::nlohmann_json
find_package(CLI11 REQUIRED)              # CLI11::CLI11
find_package(tomlplusplus REQUIRED)      # tomlplusplus::tomlplusplus
find_package(Threads REQUIRED)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)  # PkgConfig::RE2 (metric regexes)
find_package(CURL REQUIRED)              # CURL::libcurl (metadata service polls)
find_package(OpenSSL REQUIRED)           # OpenSSL::Crypto (SHA-256 of imported files)
find_package(ZLIB REQUIRED)              # ZLIB::ZLIB (.csv.gz bills)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)  # PkgConfig::ZSTD (.csv.zst bills)
if(FRUGAL_TESTS)
  find_package(GTest REQUIRED)            # GTest::gtest GTest::gtest_main
endif()
if(FRUGAL_BENCH)
  find_package(benchmark REQUIRED)        # benchmark::benchmark
endif()
