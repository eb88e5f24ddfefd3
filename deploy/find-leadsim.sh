# Sourced by deploy/local-*.sh: sets LEADSIM to the binary to run, unless
# the caller set it: `leadsim` on PATH, else this checkout's release build
# (built if needed). Expects `here`, the checkout's root.
if [ -z "${LEADSIM:-}" ]; then
  if command -v leadsim >/dev/null 2>&1; then
    LEADSIM=$(command -v leadsim)
  else
    (cd "$here" && cargo build --release --locked --quiet --bin leadsim)
    LEADSIM="$here/target/release/leadsim"
  fi
fi
