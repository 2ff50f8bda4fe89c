"""The table printed at the end of a run, from the results document."""


def summary_rows(results):
    rows = []

    def add(name, value, target=""):
        rows.append((name, value, target))

    def fmt(value, unit="", digits=1):
        return "—" if value is None else f"{value:.{digits}f}{unit}"

    start = results.get("startup", {})
    for count in ("0", "10000", "100000"):
        if count in start:
            entry = start[count]
            cold = entry["cold"]["complete_frame_ms_median"]
            warm = entry.get("warm", {}).get("complete_frame_ms_median")
            add(f"start-up, {int(count):,} records, median (saved index / full parse)",
                f"{fmt(warm, ' ms')} / {fmt(cold, ' ms')}" if warm is not None else fmt(cold, " ms"),
                "< 100 ms" if count == "100000" else "")
            if "rss_mb_median" in entry:
                add(f"TUI memory, {int(count):,} records (RSS / peak)",
                    f"{fmt(entry['rss_mb_median'], '')} / {fmt(entry['peak_rss_mb_median'], ' MB')}")
    if "ratio_100000_vs_empty_warm" in start:
        add("start-up 100,000 / empty (saved index / full parse)",
            f"{fmt(start['ratio_100000_vs_empty_warm'], '×', 2)} / {fmt(start['ratio_100000_vs_empty_cold'], '×', 2)}",
            "≤ 2×")
    keys = results.get("keystrokes", {})
    idle_keys = keys.get("idle_100000_records")
    if idle_keys:
        add("key → echo at the pty p50/p99 (idle)",
            f"{fmt(idle_keys['latency_ms_p50'], '', 2)} / {fmt(idle_keys['latency_ms_p99'], ' ms', 2)}")
        add("bytes per key, median (idle)", fmt(idle_keys["bytes_per_key_median"], " B", 0))
        if idle_keys.get("in_process"):
            add("key read → frame written p50/p99 (idle)",
                f"{fmt(idle_keys['in_process']['ms_p50'], '', 2)} / {fmt(idle_keys['in_process']['ms_p99'], ' ms', 2)}")
    loaded = keys.get("while_50_jobs_stream", {})
    for label, key in (("typing", "typing_in_process"), ("history moves", "history_moves_in_process")):
        if loaded.get(key):
            add(f"key read → frame written p50/p99 ({label}, 50 jobs)",
                f"{fmt(loaded[key]['ms_p50'], '', 2)} / {fmt(loaded[key]['ms_p99'], ' ms', 2)}", "p99 < 5 ms")
    batch_keys = keys.get("while_100_job_batch", {})
    if batch_keys.get("typing_in_process"):
        add("key read → frame written p50/p99 (typing, 100-job batch)",
            f"{fmt(batch_keys['typing_in_process']['ms_p50'], '', 2)} / "
            f"{fmt(batch_keys['typing_in_process']['ms_p99'], ' ms', 2)}", "p99 < 5 ms")
    idle = results.get("idle", {})
    if "switches_per_s_total" in idle:
        add("idle wake-ups (all threads)", fmt(idle["switches_per_s_total"], "/s", 2), "0")
        add("idle CPU over the window", fmt(idle["cpu_ms_total"], " ms", 0))
        add("idle waking threads", ", ".join(idle["waking_threads"]) or "none")
    busy = results.get("busy", {})
    for step in ("200", "800", "5000"):
        entry = busy.get(f"step_{step}ms")
        if entry:
            ui = entry["threads"].get("magi-ui", {}).get("switches_per_s", 0)
            network = entry["threads"].get("magi-curl", {}).get("switches_per_s", 0)
            add(f"50 jobs, {entry['events_per_s_expected']:.0f} events/s: wake-ups/s ui / network",
                f"{ui:.0f} / {network:.0f}", "follow events")
    follow = results.get("follow", {})
    if "ours" in follow:
        add("queue requests per job ours/official",
            f"{follow['ours']['queue_requests_per_job_median']:.0f} / "
            f"{follow['official']['queue_requests_per_job_median']:.0f}", "ours ≤ official")
        add("completion notice delay ours/official",
            f"{fmt(follow['ours']['notice_delay_ms_median'])} / {fmt(follow['official']['notice_delay_ms_median'], ' ms')}",
            "ours lower")
    many = results.get("many_jobs", {})
    if "max_rss_kb" in many:
        add(f"{many['jobs']} jobs: CPU / peak RSS", f"{many['cpu_seconds']:.2f} s / {many['max_rss_kb'] / 1024:.1f} MB",
            "RSS < 64 MB")
        add(f"{many['jobs']} jobs: threads (network)", f"{many['threads']} ({many['thread_names'].get('magi-curl', 0)})",
            "1 network")
    for size, entry in results.get("transfers", {}).items():
        if not isinstance(entry, dict) or "upload" not in entry:
            continue
        for way in ("upload", "download"):
            data = entry[way]
            add(f"{way} {size}: RSS / MB/s (curl)",
                f"{data['ours_max_rss_kb'] / 1024:.1f} MB / {data['ours_mb_per_s']:.0f} ({data['curl_mb_per_s']:.0f})",
                "flat, ≥ 80% curl")
            if "transfer_ratio_vs_curl" in data:
                add(f"{way} {size}: transfer alone MB/s (curl)",
                    f"{data['ours_transfer_mb_per_s']:.0f} ({data['curl_transfer_mb_per_s']:.0f})", "≥ 80% curl")
    memory = results.get("memory", {})
    if "job_peak_rss_mb_median" in memory:
        add("CLI peak RSS: --version", fmt(memory["version_peak_rss_mb_median"], " MB"), "< 10 MB")
        official = memory.get("official_job_peak_rss_mb_median")
        add("CLI peak RSS: generate --wait, one job (official client)",
            f"{fmt(memory['job_peak_rss_mb_median'], ' MB')} ({fmt(official, ' MB')})", "< 20 MB")
    batch = results.get("batch", {})
    if "peak_rss_mb" in batch:
        add(f"batch of {batch['jobs']}: peak RSS (one job; records)",
            f"{batch['peak_rss_mb']:.1f} MB ({batch['one_job_peak_rss_mb']:.1f} MB; "
            f"{batch.get('records_mb', 0):.2f} MB)", "≤ 1.1 × one job + records")
        add(f"batch of {batch['jobs']}: network threads / submits / jobs done",
            f"{batch['network_threads_max']} / {batch['submits']} / {batch['completed']}", "1 / one per job")
        add(f"batch of {batch['jobs']}: wall / queue requests per job",
            f"{batch['wall_s']:.1f} s / {batch['queue_requests_per_job']:.1f}")
    for line in results.get("history", {}).get("table", []):
        add("history", line.strip())
    return rows
