#!/usr/bin/env bash
# Displayed frames per second of edgemoe-live (offscreen, the sample video) for cpu, fpga-emu and
# compare mode, idle and beside 2 busy processes (tools/bench/busy_load.py, ended here, bounded in time):
# 30 s each, the mean of the 10 s soak reports after the first. Needs a build in build/.
set -uo pipefail
cd "$(dirname "$0")/../.."
run() {  # label, then edgemoe-live's backend arguments
  local label=$1; shift
  QT_QPA_PLATFORM=offscreen timeout 90 ./build/app/edgemoe-live --no-settings --soak 30 --window-size 1280x800 "$@" \
      --out /tmp/edgemoe-fps-out resources/samples/street.mp4 > "/tmp/edgemoe-fps-$label.log" 2>&1
  grep '^t=' "/tmp/edgemoe-fps-$label.log" | tail -n +2 |
      sed -n 's/.*displayed= *[0-9]* ( *\([0-9.]*\) fps).*/\1/p' |
      awk -v l="$label" '{ s += $1; n++ } END { if (n) printf "%-16s displayed %.1f fps (%d reports)\n", l, s / n, n; else printf "%-16s no report\n", l }'
}
for load in 0 2; do
  pids=()
  # tools/bench/busy_load.py: the benchmarks' busy processes (they die with it, and after 300 s)
  [ "$load" -gt 0 ] && { /usr/bin/python3 tools/bench/busy_load.py "$load" 300 > /dev/null & pids+=($!); }
  sfx=idle; [ "$load" -gt 0 ] && sfx="busy$load"
  run "cpu-$sfx" --backend cpu
  run "fpga-emu-$sfx" --backend fpga-emu
  run "compare-$sfx" --backend cpu --compare fpga-emu
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
done
