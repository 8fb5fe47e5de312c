"""The control group of a memory size, on fake cgroup v1 and v2 trees (the kernel's files the
sandbox writes), and the CPU share."""

from lambda_sim import cgroups


def test_the_cpu_share_is_memory_over_1769_mb():
    assert cgroups.cpu_quota_us(1769) == 100_000
    assert cgroups.cpu_quota_us(128) == 7236
    assert cgroups.cpu_quota_us(3538) == 200_000
    assert cgroups.cpu_quota_us(1) == cgroups.MIN_QUOTA_US


def test_v2_makes_a_sibling_of_its_own_group_with_cpu_max_and_memory_max(tmp_path):
    root = tmp_path / "cgroup"
    (root / "system.slice" / "job").mkdir(parents=True)
    (root / "cgroup.controllers").write_text("cpu memory pids\n")
    (root / "system.slice" / "cgroup.subtree_control").write_text("memory pids\n")
    own = tmp_path / "self"
    own.write_text("0::/system.slice/job\n")
    group = cgroups.create(256, root=root, own=own)
    directory = group.directories["unified"]
    assert directory.parent == root / "system.slice"
    assert (root / "system.slice" / "cgroup.subtree_control").read_text() == "+cpu\n"
    assert (directory / "cpu.max").read_text() == "14471 100000\n"
    assert (directory / "memory.max").read_text() == f"{256 * 1024 * 1024}\n"
    assert (directory / "pids.max").read_text() == "1024\n"
    assert group.procs_files == [directory / "cgroup.procs"]
    (directory / "memory.events").write_text("low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n")
    (directory / "memory.peak").write_text(f"{128 * 1024 * 1024}\n")
    assert group.oom_killed()
    assert group.peak_bytes() == 128 * 1024 * 1024


def test_v1_makes_a_group_per_controller_under_its_own(tmp_path):
    root = tmp_path / "cgroup"
    for controller in ("cpu", "memory", "pids"):
        (root / controller).mkdir(parents=True)
    (root / "memory" / "job").mkdir()
    (root / "memory" / "job" / "memory.memsw.limit_in_bytes").write_text("0\n")
    own = tmp_path / "self"
    own.write_text("4:memory:/job\n2:cpu,cpuacct:/\n3:pids:/\n")
    group = cgroups.create(128, root=root, own=own)
    cpu, memory = group.directories["cpu"], group.directories["memory"]
    assert cpu.parent == root / "cpu" and memory.parent == root / "memory" / "job"
    assert (cpu / "cpu.cfs_quota_us").read_text() == "7236\n"
    assert (cpu / "cpu.cfs_period_us").read_text() == "100000\n"
    assert (memory / "memory.limit_in_bytes").read_text() == f"{128 * 1024 * 1024}\n"
    assert (memory / "memory.memsw.limit_in_bytes").read_text() == f"{128 * 1024 * 1024}\n"
    assert (group.directories["pids"] / "pids.max").read_text() == "1024\n"
    assert not group.oom_killed()
    (memory / "memory.oom_control").write_text("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n")
    assert group.oom_killed()


def test_without_a_hierarchy_it_says_why(tmp_path):
    own = tmp_path / "self"
    own.write_text("0::/\n")
    try:
        cgroups.create(128, root=tmp_path, own=own)
    except cgroups.Unavailable as error:
        assert "no cgroup v2 with controllers" in str(error)
    else:
        raise AssertionError("created a group without any hierarchy")
