#!/usr/bin/env bash
# What the GitHub Actions workflow and the GitLab CI job run in a student's repository (a copy of
# the kit): lesson N's checks on the student's exercise, the reports in build/grade/, and a failing
# status when the score is below MIN_SCORE (points, or a percentage such as 80%; default 100%).
#   bash grading/ci-grade.sh LESSON [MIN_SCORE]
set -uo pipefail
cd "$(dirname "$0")/.."
lesson=${1:?usage: bash grading/ci-grade.sh LESSON [MIN_SCORE]}
min=${2:-100%}
out=${ECHO_KIT_GRADE_OUT:-build/grade}
mkdir -p "$out"
points=()
[ -f grading/points ] && points=(--points grading/points)
# The suite also appends its summary to $GITHUB_STEP_SUMMARY when the variable is set (GitHub Actions).
exec ./jbang tests/Check.java "$lesson" --json "$out/report.json" --junit-xml "$out/report.xml" \
  --summary-md "$out/summary.md" --min-score "$min" "${points[@]}"
