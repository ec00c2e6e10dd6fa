# Sourced by .ci/run and ./jinn: points JAVA_HOME at a JDK 25 or newer.
# Order: $JAVA_HOME if it is 25+, a Temurin/OpenJDK 25+ under /usr/lib/jvm, then `java` on the PATH if 25+.
jinn_java_major() { "$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }
jinn_find_jdk() {
  local c v
  for c in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-2[5-9]* /usr/lib/jvm/java-2[5-9]* /usr/lib/jvm/jdk-2[5-9]* \
           "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")"; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    v=$(jinn_java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$c"; return 0; fi
  done
  return 1
}
if ! JAVA_HOME=$(jinn_find_jdk); then
  echo "jinn: needs a JDK 25 or newer; set JAVA_HOME to one (found none under /usr/lib/jvm or on the PATH)" >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
