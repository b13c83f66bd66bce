# All third-party dependencies come from Debian packages (scripts/setup.sh).
find_package(Boost 1.74 REQUIRED)
find_package(fmt REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(Threads REQUIRED)

find_path(GMP_INCLUDE_DIR gmp.h REQUIRED)
find_library(GMP_LIBRARY gmp REQUIRED)
find_library(GMPXX_LIBRARY gmpxx)
find_path(MPFR_INCLUDE_DIR mpfr.h REQUIRED)
find_library(MPFR_LIBRARY mpfr REQUIRED)
find_path(MPFI_INCLUDE_DIR mpfi.h REQUIRED)
find_library(MPFI_LIBRARY mpfi REQUIRED)

add_library(parallax_mp INTERFACE)
target_include_directories(parallax_mp SYSTEM INTERFACE ${GMP_INCLUDE_DIR} ${MPFR_INCLUDE_DIR} ${MPFI_INCLUDE_DIR})
target_link_libraries(parallax_mp INTERFACE ${MPFI_LIBRARY} ${MPFR_LIBRARY} ${GMP_LIBRARY} Boost::headers)
