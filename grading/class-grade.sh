#!/usr/bin/env bash
# What the class-grading jobs of grading/github/class.yml and grading/gitlab/class.gitlab-ci.yml run,
# from a copy of the kit:
#   bash grading/class-grade.sh shard I N SUBMISSIONS_DIR    grade share I of N into build/class/shard-I
#   bash grading/class-grade.sh merge                        join build/class/shard-* into build/class/all
# LESSON (0: what each submission has) and POINTS (a --points file) come from the environment.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${ECHO_KIT_CLASS_OUT:-build/class}
options=(--lesson "${LESSON:-0}")
[ -n "${POINTS:-}" ] && options+=(--points "$POINTS")
case "${1:-}" in
  shard)
    exec ./jbang tests/Grade.java "${4:?usage: class-grade.sh shard I N SUBMISSIONS_DIR}" --shard "$2/$3" \
      --out "$out/shard-$2" "${options[@]}" ;;
  merge)
    exec ./jbang tests/Grade.java --merge "$out"/shard-* --out "$out/all" ;;
  *)
    echo "usage: bash grading/class-grade.sh shard I N SUBMISSIONS_DIR | merge" >&2
    exit 2 ;;
esac
