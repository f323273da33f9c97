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

# Check formatting, lints (warnings are errors), the API docs and the hexagon's dependency rule.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings
    @just doc
    @just hexagon

# Build the API documentation of every crate; a warning (a broken link, a missing doc) fails.
doc:
    RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps

# Fail if the domain crate depends on an I/O library (the hexagon's rule).
hexagon:
    #!/usr/bin/env bash
    set -euo pipefail
    deps=$(cargo tree -p athm-domain -e normal --prefix none --format '{p}' | awk '{print $1}' | sort -u)
    bad=$(echo "$deps" | grep -E '^(tokio|reqwest|sea-orm|sqlx|hyper|axum)$' || true)
    if [ -n "$bad" ]; then echo "athm-domain must not depend on: $bad"; exit 1; fi
    echo "hexagon ok: athm-domain depends on no I/O library"

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
