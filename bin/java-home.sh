# Sourced by ./forge and ./run-tests: exports JAVA_HOME pointing at a JDK 25 or newer.
forge_find_java_home() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-2[5-9]* /usr/lib/jvm/java-2[5-9]* /usr/lib/jvm/jdk-2[5-9]*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    if "$candidate/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then echo "$candidate"; return 0; fi
  done
  echo "Java 25 or newer is required: install it or set JAVA_HOME" >&2
  return 1
}
JAVA_HOME="$(forge_find_java_home)"
export JAVA_HOME
