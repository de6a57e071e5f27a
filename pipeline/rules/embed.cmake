# Generates a C++ source that embeds a text file as a byte array (run with cmake -P).
#   -DINPUT=<file> -DOUTPUT=<file.cpp> -DFUNCTION=<qualified name returning std::string_view>
# Invariant: the generated function returns exactly the bytes of INPUT (any content, no
# escaping issues: bytes are written as hex literals).
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
string(REGEX REPLACE "(('\\\\x[0-9a-f][0-9a-f]',){24})" "\\1\n    " bytes "${bytes}")
string(REGEX MATCH "^(.*)::([^:]+)$" _ "${FUNCTION}")
set(ns "${CMAKE_MATCH_1}")
set(fn "${CMAKE_MATCH_2}")
file(WRITE "${OUTPUT}.tmp"
"// Generated from ${INPUT} by pipeline/rules/embed.cmake; do not edit.\n"
"#include <string_view>\n\n"
"namespace ${ns} {\n"
"namespace {\n"
"constexpr char kBytes[${size} + 1] = {\n    ${bytes}'\\0'};\n"
"}  // namespace\n"
"std::string_view ${fn}() { return std::string_view(kBytes, ${size}); }\n"
"}  // namespace ${ns}\n")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
