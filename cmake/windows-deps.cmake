# Dependencies of the Windows build (make windows): the static libraries that
# scripts/windows-deps built from Debian's source packages into TLSD_WIN_PREFIX, under the
# same target names the Linux build gets from find_package/pkg-config, so the rest of
# CMakeLists.txt is the same for both.
set(TLSD_WIN_PREFIX "" CACHE PATH "Prefix of the Windows dependencies (scripts/windows-deps)")
if(NOT EXISTS "${TLSD_WIN_PREFIX}/lib/libcrypto.a")
  message(FATAL_ERROR "TLSD_WIN_PREFIX='${TLSD_WIN_PREFIX}' has no libcrypto.a: run scripts/windows-deps")
endif()

# name: imported target; lib: static library in the prefix; deps: Windows system libraries.
function(tlsd_win_dep name lib)
  add_library(${name} STATIC IMPORTED GLOBAL)
  set_target_properties(${name} PROPERTIES
    IMPORTED_LOCATION ${TLSD_WIN_PREFIX}/lib/lib${lib}.a
    INTERFACE_INCLUDE_DIRECTORIES ${TLSD_WIN_PREFIX}/include
    INTERFACE_LINK_LIBRARIES "${ARGN}")
endfunction()

tlsd_win_dep(OpenSSL::Crypto crypto ws2_32 crypt32 advapi32 user32 bcrypt)
tlsd_win_dep(OpenSSL::SSL ssl OpenSSL::Crypto)
tlsd_win_dep(ZLIB::ZLIB z)
tlsd_win_dep(PkgConfig::JANSSON jansson)
tlsd_win_dep(PkgConfig::LIBUV uv ws2_32 iphlpapi userenv psapi user32 advapi32 dbghelp ole32 shell32)
tlsd_win_dep(PkgConfig::PCAP pcap ws2_32)
# libevtx with the libyal libraries its source package bundles (libbfio, libcerror, ...).
tlsd_win_dep(PkgConfig::LIBEVTX evtx)
# POSIX threads from mingw-w64's winpthreads, linked statically like everything else.
add_library(Threads::Threads INTERFACE IMPORTED GLOBAL)
set_target_properties(Threads::Threads PROPERTIES INTERFACE_LINK_LIBRARIES pthread)

find_package(Python3 REQUIRED COMPONENTS Interpreter)

# Windows 10 API level (inet_ntop, WSAPoll, virtual-terminal consoles); 64-bit file offsets;
# mingw-w64's own printf, which knows %zu and prints numbers as glibc does.
add_compile_definitions(_WIN32_WINNT=0x0A00 WIN32_LEAN_AND_MEAN _FILE_OFFSET_BITS=64
                        TLSD_PRINTF_FORMAT=gnu_printf
                        __USE_MINGW_ANSI_STDIO=1)
