"""Safe to operate: whatever state site/, build/ and docs/essays/ are in (files deleted, damaged,
a build killed at any moment), the next ``handbook build`` ends with the bytes of a clean build of
the same inputs; readers never meet a partial site; two builds never run at once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from projects import ENV, HANDBOOK, build, new_project, same_outputs


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """A clean build of the two seeds and 24 generated essays."""
    project = new_project(tmp_path_factory.mktemp("reference") / "project", essays=24)
    done = build(project)
    assert done.returncode == 0, done.stderr
    return project


@pytest.fixture
def project(tmp_path, reference) -> Path:
    """The same inputs, built once."""
    project = new_project(tmp_path / "project")
    shutil.rmtree(project / "seeds")
    shutil.copytree(reference / "seeds", project / "seeds")
    done = build(project)
    assert done.returncode == 0, done.stderr
    return project


def essay_pages(project: Path) -> list[Path]:
    return sorted((project / "docs" / "essays").glob("*.md"))


@pytest.mark.parametrize("damage", ["garbled", "deleted", "conflict"])
def test_a_damaged_manifest_is_rebuilt_from_the_pages(project, reference, damage):
    manifest = project / "docs" / "essays" / ".manifest.json"
    if damage == "deleted":
        manifest.unlink()
    elif damage == "garbled":
        manifest.write_bytes(manifest.read_bytes()[:50])
    else:
        manifest.write_text("<<<<<<< HEAD\n" + manifest.read_text(encoding="utf-8") + "=======\n{}\n>>>>>>> other\n", encoding="utf-8")
    shutil.rmtree(project / "build" / "cache")
    done = build(project)
    assert done.returncode == 0, done.stderr
    assert "warning:" in done.stderr and ".manifest.json" in done.stderr and "rebuilt from the pages" in done.stderr
    assert "Traceback" not in done.stderr
    same_outputs(project, reference)


def test_a_garbled_cache_is_a_warning_and_a_removed_seed_page_goes(project, reference):
    for cache in (project / "build" / "cache").glob("clean-*.json"):
        cache.write_text("[1, 2", encoding="utf-8")
    (project / "docs" / "essays" / ".manifest.json").unlink()
    removed = sorted((project / "seeds").iterdir())[-1]
    removed.unlink()
    done = build(project)
    assert done.returncode == 0, done.stderr
    assert "is damaged" in done.stderr and "Traceback" not in done.stderr
    assert len(essay_pages(project)) == len(list((project / "seeds").iterdir()))
    assert all(removed.name not in page.read_text(encoding="utf-8") for page in essay_pages(project))


def test_deleted_damaged_and_edited_outputs_are_built_again(project, reference):
    pages = essay_pages(project)
    pages[0].unlink()
    pages[1].write_text(pages[1].read_text(encoding="utf-8")[:40], encoding="utf-8")
    essay_html = next((project / "site" / "essays").iterdir()) / "index.html"
    essay_html.unlink()
    (project / "site" / "zh-Hant" / "index.html").write_text("garbage", encoding="utf-8")
    shutil.rmtree(project / "site" / "assets")
    for folder in (project / "docs" / "essays", project / "site" / "downloads"):  # writes cut short by a kill
        (folder / f".{pages[2].name}.4242-7.tmp").write_text("half a page", encoding="utf-8")
    done = build(project)
    assert done.returncode == 0, done.stderr
    same_outputs(project, reference)


def test_page_names_follow_from_the_current_inputs_alone(project, tmp_path):
    """Edit a seed; in one build, remove a seed and add one whose essay has the removed one's
    title; remove another; building after each step: the result is the cold build's of the final
    seeds, byte for byte (the new essay's page is named by its title alone in both)."""
    seeds = sorted((project / "seeds").iterdir())
    seeds[0].write_bytes(seeds[0].read_bytes().replace("窗口".encode(), "窗口单位".encode(), 1))
    assert build(project).returncode == 0
    titled = essay_pages(project)[3]
    text = titled.read_text(encoding="utf-8")
    title, source = (text.split(f"{key}: ", 1)[1].split("\n", 1)[0] for key in ("title", "source"))
    (project / "seeds" / source).unlink()
    (project / "seeds" / "zzz_same_title.txt").write_text(f"{title}\n窗口民警的一篇新文章，题目与删去的一篇相同。\n", encoding="utf-8")
    assert build(project).returncode == 0
    assert "zzz_same_title.txt" in titled.read_text(encoding="utf-8")  # the name is the title's
    sorted((project / "seeds").iterdir())[5].unlink()
    assert build(project).returncode == 0

    cold = new_project(tmp_path / "cold")
    shutil.rmtree(cold / "seeds")
    shutil.copytree(project / "seeds", cold / "seeds")
    assert build(cold).returncode == 0
    same_outputs(project, cold)


@pytest.mark.parametrize("delay", [0.5, 1.5, 3.0])
def test_a_build_killed_at_any_moment_converges(tmp_path, reference, delay):
    """SIGKILL a cold build part-way (the cleaner, the sites, the booklets, the publication),
    then build again: the same bytes as the clean build."""
    project = new_project(tmp_path / "project")
    shutil.rmtree(project / "seeds")
    shutil.copytree(reference / "seeds", project / "seeds")
    process = subprocess.Popen([HANDBOOK, "build"], cwd=project, env=ENV, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    time.sleep(delay)
    os.killpg(process.pid, signal.SIGKILL)  # the build and the processes it forked
    process.wait()
    done = build(project)
    assert done.returncode == 0, done.stderr
    same_outputs(project, reference)


def test_readers_never_meet_a_partial_site_and_a_second_build_waits(project):
    """While two rebuilds run (the second waiting for the first), the site's pages are read
    without a pause, as a web server serving site/ reads them: every read finds them."""
    pages = [project / "site" / "index.html", project / "site" / "zh-Hant" / "index.html",
             next((project / "site" / "essays").iterdir()) / "index.html"]
    relative = [page.relative_to(project / "site") for page in pages]
    (project / "handbook.yml").write_text((project / "handbook.yml").read_text(encoding="utf-8").replace(
        "subtitle: 窗口服务论文选编", "subtitle: 窗口服务论文选编（修订）"), encoding="utf-8")
    missing, reads, stop = [], [0], threading.Event()

    def read_all():
        while not stop.is_set():
            for rel in relative:
                try:
                    if b"</html>" not in (project / "site" / rel).read_bytes():
                        missing.append(f"{rel}: partial")
                except OSError as error:
                    missing.append(f"{rel}: {error}")
                reads[0] += 1

    reader = threading.Thread(target=read_all)
    reader.start()
    first = subprocess.Popen([HANDBOOK, "build"], cwd=project, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    second = build(project)
    first_err = first.communicate(timeout=600)[1]
    stop.set()
    reader.join()
    assert first.returncode == 0 and second.returncode == 0, (first_err, second.stderr)
    assert "another build of this project is running" in second.stderr and "waiting" in second.stderr
    assert reads[0] > 100 and missing == []
    assert "窗口服务论文选编（修订）" in (project / "site" / "index.html").read_text(encoding="utf-8")


def test_make_serve_and_make_together(project):
    """The live preview re-cleans a changed seed while ``handbook build`` runs: both take the
    build lock in turn, the preview shows the change, the build publishes it, nothing breaks."""
    import socket
    import urllib.request

    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    server = subprocess.Popen([HANDBOOK, "serve", "--dev-addr", f"127.0.0.1:{port}"], cwd=project, env=ENV,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)

    def served() -> str:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
            return response.read().decode("utf-8")

    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                served()
                break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the preview did not start"
                time.sleep(0.5)
        seed = project / "seeds" / "000_9b93f4d6943d791b.txt"
        assert "树立五种意识".encode() in seed.read_bytes()
        seed.write_bytes(seed.read_bytes().replace("树立五种意识".encode(), "树立六种意识".encode(), 1))
        done = build(project)
        assert done.returncode == 0, done.stderr
        assert "树立六种意识" in (project / "site" / "index.html").read_text(encoding="utf-8")
        while "树立六种意识" not in served():
            assert time.monotonic() < deadline and server.poll() is None, "the preview did not show the change"
            time.sleep(0.5)
        assert len(essay_pages(project)) == len(list((project / "seeds").iterdir()))  # no page twice
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
