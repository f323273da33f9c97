# athm's everyday commands. `just` alone lists them.

# Where the database-backed tests find PostgreSQL and MariaDB (unset: those backends are skipped).
export ATHM_TEST_POSTGRES_URL := env_var_or_default("ATHM_TEST_POSTGRES_URL", "")
export ATHM_TEST_MYSQL_URL := env_var_or_default("ATHM_TEST_MYSQL_URL", "")

# List the recipes.
default:
    @just --list

# Run the service on the embedded default: SQLite file and the in-process ATH Móvil sandbox.
serve:
    cargo run --release --bin athm -- serve

# Format the code.
fmt:
    cargo fmt --all

# Check formatting, lints (warnings are errors), the API docs, the hexagon's dependency rule and the dependencies themselves.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    @just doc
    @just hexagon
    @just deps

# Licenses, duplicate versions and sources (cargo-deny, deny.toml; no advisories: no database is reachable) and unused dependencies (cargo-machete). Install: `cargo install --locked cargo-deny cargo-machete`.
deps:
    cargo deny check licenses bans sources
    cargo machete --skip-target-dir

# Build the API documentation of every crate; a warning (a broken link, a missing doc) fails.
doc:
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# The hexagon's dependency rules, from `cargo tree`/`cargo metadata`: the domain uses no I/O library; the sandbox uses no workspace crate; only the composition roots (athm-app, athm-bench) depend on an adapter in their builds (dev-dependencies may: tests wire real adapters).
hexagon:
    #!/usr/bin/env bash
    set -euo pipefail
    # Adapters by name.
    adapters="athm-client athm-store athm-web athm-notifier"
    # May depend on adapters in normal/build dependencies: athm-app wires the
    # service; athm-bench is a driver outside the hexagon that migrates the
    # databases it benchmarks with athm-store's SqlStore.
    roots="athm-app athm-bench"
    io='tokio|reqwest|sea-orm|sea-orm-migration|sqlx|hyper|hyper-util|axum|tower|tower-http'

    # 1. athm-domain: no I/O library anywhere in its normal dependency tree.
    deps=$(cargo tree -p athm-domain -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u)
    bad=$(echo "$deps" | grep -E "^($io)$" || true)
    if [ -n "$bad" ]; then
        echo "hexagon FAILED: athm-domain must not depend on an I/O library; it depends on:" $bad
        for crate in $bad; do cargo tree -p athm-domain -e normal -i "$crate"; done
        exit 1
    fi
    echo "hexagon ok: athm-domain depends on no I/O library ($io)"

    # 2 and 3 read the declared edges between workspace crates.
    cargo metadata --format-version 1 --no-deps \
        | ADAPTERS="$adapters" ROOTS="$roots" python3 -c '
    import json, os, sys
    meta = json.load(sys.stdin)
    members = {p["name"]: p for p in meta["packages"]}
    adapters = [a for a in os.environ["ADAPTERS"].split() if a in members]
    missing = [a for a in os.environ["ADAPTERS"].split() if a not in members]
    roots = set(os.environ["ROOTS"].split())
    def edges(name):
        for d in members[name]["dependencies"]:
            if d["name"] in members and d["name"] != name:
                yield d["name"], d["kind"] or "normal"
    failed = []
    # 2. athm-sandbox: an imitation of ATH Movil, usable by anyone; it knows no athm crate.
    if "athm-sandbox" in members:
        for dep, kind in edges("athm-sandbox"):
            failed.append(f"athm-sandbox -> {dep} ({kind}): the sandbox must depend on no workspace crate")
    else:
        failed.append("athm-sandbox: not in the workspace (renamed? update the justfile)")
    # 3. Adapters: only the composition roots build with one; dev-dependencies are tests.
    for name in sorted(members):
        for dep, kind in edges(name):
            if dep in adapters and kind != "dev" and name not in roots:
                failed.append(f"{name} -> {dep} ({kind}): only {sorted(roots)} may depend on an adapter")
    if failed:
        print("hexagon FAILED:")
        for f in failed:
            print("  " + f)
        sys.exit(1)
    print("hexagon ok: athm-sandbox depends on no workspace crate")
    note = f" (not in the workspace yet: {missing})" if missing else ""
    print(f"hexagon ok: only {sorted(roots)} depend on the adapters {adapters}{note}; others only as dev-dependencies")
    '

# Run every test: unit, adapters, the integration suite and doctests (PostgreSQL/MariaDB when their URLs are set).
test:
    cargo test --workspace --all-targets
    cargo test --workspace --doc
    @just examples

# Build and run the four examples against the in-process sandbox; each exits non-zero if its outcome is wrong.
examples:
    cargo run --example shop
    cargo run --example client
    cargo run --example custom_store
    cargo run --example webhooks

# Benchmark a release `athm serve` on SQLite and PostgreSQL (new/duplicate/mixed webhooks beside the one-transaction-per-event ceiling, checkout, sync) and write docs/performance.md; e.g. `just bench --duration 10s`.
bench *ARGS:
    cargo build --release -p athm-app -p athm-bench
    target/release/athm-bench all --write docs/performance.md {{ARGS}}

# Fuzz each target (webhook parser, HTTP webhook endpoint) with cargo-fuzz for SECS seconds (default 60); new inputs go to fuzz/work/, crashes to fuzz/artifacts/.
fuzz SECS="60":
    #!/usr/bin/env bash
    set -euo pipefail
    command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
    for target in webhook_parse webhook_endpoint; do
        mkdir -p "fuzz/work/$target"
        # cargo-fuzz passes nightly-only flags; RUSTC_BOOTSTRAP lets this stable toolchain take them.
        RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" "fuzz/work/$target" "fuzz/corpus/$target" -- -max_total_time={{SECS}}
    done

# The fuzz targets as a bounded stable test (corpus + 3,000 pseudo-random inputs each), as CI runs them.
fuzz-smoke:
    cargo test --test it fuzz_smoke

# The reliability suite with its timings: three `athm serve` instances on PostgreSQL and MariaDB (N = 1,000, with and without a crash), refund races, every gateway fault.
reliability:
    cargo test -p athm-app --test multi_instance -- --nocapture
    cargo test --test it -- --nocapture refund_races gateway_faults

# The simulation on random seeds (SQLite, release build), e.g. `just simulate --runs 20 [--seed S] [--actions 50] [--backend postgres]`: each failure is shrunk and printed with its seed; a summary at the end.
simulate *ARGS:
    #!/usr/bin/env bash
    set -euo pipefail
    set -- {{ARGS}}
    export ATHM_SIM_RUNS=10
    while [ $# -gt 0 ]; do
        case "$1" in
            --runs) export ATHM_SIM_RUNS="$2"; shift 2 ;;
            --seed) export ATHM_SIM_SEED="$2"; shift 2 ;;
            --actions) export ATHM_SIM_ACTIONS="$2"; shift 2 ;;
            --backend) export ATHM_SIM_BACKEND="$2"; shift 2 ;;
            *) echo "usage: just simulate [--runs N] [--seed S] [--actions A] [--backend sqlite|postgres|mariadb]" >&2; exit 2 ;;
        esac
    done
    cargo test --release --test sim -- --ignored --nocapture simulate

# Everything CI runs, as CI runs it.
ci:
    bash .ci/run
