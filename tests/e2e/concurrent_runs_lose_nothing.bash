# Many `frugal run` processes writing one SQLite file at once: every run recorded, none corrupted.
source "$(dirname "$0")/lib.bash"

n=24
for i in $(seq $n); do
  "$FRUGAL" run --team "t$((i % 3))" --hourly-usd 2.5 --name "job$i" -- sh -c "sleep 0.0$((i % 9))" &
done
wait
expect_eq "$(sql "SELECT count(*), count(DISTINCT name), sum(status = 'finished') FROM runs")" "$n,$n,$n" "all runs recorded"
expect_eq "$(sqlite3 "$FRUGAL_HOME/frugal.db" 'PRAGMA integrity_check')" "ok" "sqlite integrity check"
