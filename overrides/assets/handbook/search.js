/* The handbook's search, behind Material's search box, over the static index that
 * handbook/site/search.py writes into <site>/search/.
 *
 * The index maps every character and every pair of adjacent characters of each essay's text, all
 * normalised per character (Traditional to Simplified, full-width to half-width, lower case), to
 * the sorted list of essays holding it, in shards fetched on demand. A query is normalised the
 * same way and split into terms; the lists of a few pairs covering each term (a one-character
 * term: its own list) are fetched and intersected, in catalogue order; a candidate is shown only
 * if its text (search/p/<n>.json, fetched for the shown ones only) holds each term itself, with
 * the passage around the first one and every term marked.
 * Everything from the index is put into the page as text nodes, never as HTML.
 */
(function () {
  "use strict";
  var configNode = document.getElementById("hb-search-config");
  if (!configNode) return;
  var config = JSON.parse(configNode.textContent);
  var labels = config.labels || {};
  var root = new URL(String(config.base || ".").replace(/\/?$/, "/"), location.href);
  var toggle = document.getElementById("__search");
  var form = document.querySelector("[data-hb-search-form]");
  var input = document.querySelector("[data-hb-search-input]");
  var meta = document.querySelector("[data-hb-search-meta]");
  var list = document.querySelector("[data-hb-search-list]");
  var more = document.querySelector("[data-hb-search-more]");
  if (!toggle || !form || !input || !meta || !list) return;

  var PAGE = 10, DEBOUNCE_MS = 60, CONTEXT_BEFORE = 30, CONTEXT_AFTER = 70;
  var HAN = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[\ud840-\ud8bf][\udc00-\udfff]/;
  var engine = null, state = null, generation = 0, lastRun = 0;

  /* At most one search every DEBOUNCE_MS while the reader types: the first at once, the next
   * one when the interval is over (a newer query supersedes a waiting one). */
  function pause() {
    var now = Date.now(), delay = Math.max(0, lastRun + DEBOUNCE_MS - now);
    lastRun = now + delay;
    return delay ? new Promise(function (resolve) { setTimeout(resolve, delay); }) : Promise.resolve();
  }
  function say(text) { meta.textContent = text; }
  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  function get(path, kind) {
    return fetch(new URL("search/" + path, root).href).then(function (r) {
      if (!r.ok) throw new Error(path + ": HTTP " + r.status);
      return kind === "json" ? r.json() : r.arrayBuffer();
    });
  }

  function load() {
    if (!engine) {
      engine = get("meta.json", "json").then(function (meta) {
        return { pages: meta.pages, shards: meta.shards, charmap: meta.charmap, shardCache: {}, pageCache: {} };
      });
      engine.catch(function () { engine = null; });
    }
    return engine;
  }

  /* FNV-1a (32 bits) over the key's code points, as search.py's shard_of. */
  function shardOf(key, shards) {
    var h = 0x811c9dc5;
    for (var ch of key) { h ^= ch.codePointAt(0); h = Math.imul(h, 0x01000193) >>> 0; }
    return h & (shards - 1);
  }

  /* A shard: u32 header length, JSON header {key: [kind, count, offset, length]}, the lists. */
  function shard(eng, n) {
    if (!eng.shardCache[n]) {
      eng.shardCache[n] = get("k/" + n + ".bin", "bin").then(function (buffer) {
        var size = new DataView(buffer).getUint32(0, true);
        var header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size)));
        return { header: header, data: new Uint8Array(buffer, 4 + size) };
      });
      eng.shardCache[n].catch(function () { delete eng.shardCache[n]; });
    }
    return eng.shardCache[n];
  }

  /* The sorted essay numbers holding `key`. */
  function postings(eng, key) {
    return shard(eng, shardOf(key, eng.shards)).then(function (s) {
      var entry = s.header[key];
      if (!entry) return new Int32Array(0);
      var bytes = s.data.subarray(entry[2], entry[2] + entry[3]);
      var ids = new Int32Array(entry[1]), k = 0;
      if (entry[0] === 1) {
        for (var i = 0; i < bytes.length; i++) {
          var b = bytes[i];
          for (var bit = 0; b; bit++, b >>= 1) if (b & 1) ids[k++] = i * 8 + bit;
        }
      } else {
        var prev = -1, value = 0, shift = 0;
        for (var j = 0; j < bytes.length; j++) {
          value += (bytes[j] & 0x7f) * Math.pow(2, shift);
          if (bytes[j] & 0x80) { shift += 7; continue; }
          prev += value; ids[k++] = prev; value = 0; shift = 0;
        }
      }
      return ids;
    });
  }

  function intersect(lists) {
    lists.sort(function (a, b) { return a.length - b.length; });
    var result = lists[0];
    for (var l = 1; l < lists.length && result.length; l++) {
      var other = lists[l], out = [], j = 0;
      for (var i = 0; i < result.length; i++) {
        while (j < other.length && other[j] < result[i]) j++;
        if (j < other.length && other[j] === result[i]) out.push(result[i]);
      }
      result = out;
    }
    return Array.from(result);
  }

  /* The keys whose lists are intersected for a term: itself when it is one character, else pairs
   * of adjacent characters covering it (every other one, and the last). */
  function termKeys(term) {
    var chars = Array.from(term), keys = [];
    if (chars.length === 1) return [term];
    for (var i = 0; i + 1 < chars.length; i += 2) keys.push(chars[i] + chars[i + 1]);
    if (chars.length % 2) keys.push(chars[chars.length - 2] + chars[chars.length - 1]);
    return keys;
  }

  function candidates(eng, list) {
    var keys = {};
    list.forEach(function (t) { termKeys(t).forEach(function (k) { keys[k] = true; }); });
    return Promise.all(Object.keys(keys).map(function (k) { return postings(eng, k); })).then(intersect);
  }

  function pageData(eng, n) {
    if (!eng.pageCache[n]) {
      eng.pageCache[n] = get("p/" + n + ".json", "json");
      eng.pageCache[n].catch(function () { delete eng.pageCache[n]; });
    }
    return eng.pageCache[n];
  }

  /* One character in, one character of the same UTF-16 length out, so offsets carry over. */
  function normalize(text, charmap) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var c = text[i], code = text.charCodeAt(i);
      if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) { c = text.slice(i, i + 2); i++; }
      var n = charmap[c];
      if (n === undefined) {
        n = c.normalize("NFKC").toLowerCase();
        if (Array.from(n).length !== 1) n = c;
        charmap[c] = n;  // NFKC is slow and an essay repeats its characters: fold each one once
      }
      out += n.length === c.length ? n : c;
    }
    return out;
  }

  function terms(query, charmap) {
    var seen = {};
    return normalize(query, charmap).split(/[\s\p{P}\p{S}\p{Z}]+/u).filter(function (t) {
      if (!t || seen[t]) return false;
      seen[t] = true;
      return true;
    });
  }

  function check(n, eng, list) {
    return pageData(eng, n).then(function (data) {
      var text = String(data.x || "");
      var norm = normalize(text, eng.charmap);
      var first = -1, firstTerm = null;
      for (var i = 0; i < list.length; i++) {
        var at = norm.indexOf(list[i]);
        if (at < 0) return null;
        if (first < 0 || at < first) { first = at; firstTerm = list[i]; }
      }
      return { data: data, text: text, norm: norm, at: first, term: firstTerm };
    });
  }

  function excerpt(hit, list) {
    var start = Math.max(0, hit.at - CONTEXT_BEFORE);
    var end = Math.min(hit.text.length, hit.at + hit.term.length + CONTEXT_AFTER);
    var p = document.createElement("p");
    if (start > 0) p.appendChild(document.createTextNode("…"));
    var i = start;
    while (i < end) {
      var next = -1, len = 0;
      list.forEach(function (t) {
        var at = hit.norm.indexOf(t, i);
        if (at >= 0 && at < end && (next < 0 || at < next || (at === next && t.length > len))) { next = at; len = t.length; }
      });
      if (next < 0) { p.appendChild(document.createTextNode(hit.text.slice(i, end))); break; }
      if (next > i) p.appendChild(document.createTextNode(hit.text.slice(i, next)));
      var mark = document.createElement("mark");
      mark.textContent = hit.text.slice(next, next + len);
      p.appendChild(mark);
      i = next + len;
    }
    if (end < hit.text.length) p.appendChild(document.createTextNode("…"));
    return p;
  }

  function render(hit, list) {
    var li = document.createElement("li");
    li.className = "md-search-result__item";
    var a = document.createElement("a");
    var url = new URL(hit.data.u, root);
    // A text fragment: the browser scrolls to the passage and highlights it.
    url.hash = ":~:text=" + encodeURIComponent(hit.text.slice(hit.at, hit.at + hit.term.length));
    a.href = url.href;
    a.className = "md-search-result__link";
    a.tabIndex = -1;
    var article = document.createElement("article");
    article.className = "md-search-result__article md-typeset";
    var icon = document.createElement("div");
    icon.className = "md-search-result__icon md-icon";
    var h = document.createElement("h1");
    h.textContent = hit.data.t || hit.data.u;
    article.appendChild(icon);
    article.appendChild(h);
    article.appendChild(excerpt(hit, list));
    a.appendChild(article);
    li.appendChild(a);
    return li;
  }

  /* Check candidates in order, a batch at a time (fetched together), until `want` more hits are
   * shown or the candidates run out. */
  function fillPage(run, want) {
    var shown = 0;
    function step() {
      if (run.id !== generation) return Promise.resolve();
      if (shown >= want || run.next >= run.candidates.length) return Promise.resolve();
      var batch = run.candidates.slice(run.next, run.next + want - shown);
      run.next += batch.length;
      return Promise.all(batch.map(function (n) { return check(n, run.engine, run.terms); })).then(function (hits) {
        if (run.id !== generation) return;
        hits.forEach(function (hit) {
          if (hit) { run.hits.push(hit); list.appendChild(render(hit, run.terms)); shown++; }
        });
        return step();
      });
    }
    return step();
  }

  function summary(run) {
    if (run.next >= run.candidates.length) {
      say(run.hits.length ? fill(labels.search_count, { n: run.hits.length }) : fill(labels.search_none, { q: run.query }));
    } else if (run.exact) {
      say(fill(labels.search_count, { n: run.candidates.length }));
    } else {
      say(fill(labels.search_count, { n: "≈" + run.candidates.length }));
    }
    if (more) more.hidden = run.next >= run.candidates.length;
  }

  function search(query) {
    var id = ++generation;
    list.textContent = "";
    if (more) more.hidden = true;
    query = query.trim();
    if (!query) { say(labels.search_hint || ""); return Promise.resolve(); }
    say(labels.search_loading || "");
    return load().then(function (eng) {
      var list_ = terms(query, eng.charmap);
      if (!list_.length) { if (id === generation) say(fill(labels.search_none, { q: query })); return; }
      return pause().then(function () {
        if (id !== generation) return;  // superseded by a newer query
        return candidates(eng, list_).then(function (found) {
          if (id !== generation) return;
          // Terms of one or two characters are answered by their lists alone: the count is exact.
          var exact = list_.every(function (t) { return Array.from(t).length <= 2; });
          var run = { id: id, query: query, terms: list_, engine: eng, candidates: found, next: 0, hits: [], exact: exact };
          state = run;
          // Each candidate checked costs one small fetch: check only as many as are shown.
          return fillPage(run, PAGE).then(function () { if (id === generation) summary(run); });
        });
      });
    }).catch(function (error) {
      if (id === generation) say(labels.search_error || "search failed");
      if (window.console) console.warn("handbook search:", error);
    });
  }

  input.addEventListener("input", function () { search(input.value); });
  input.addEventListener("focus", function () { if (!toggle.checked) { toggle.checked = true; toggle.dispatchEvent(new Event("change")); } load(); });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var first = list.querySelector("a");
    if (first) location.href = first.href;
  });
  form.addEventListener("reset", function () { setTimeout(function () { search(""); input.focus(); }, 0); });
  if (more) more.addEventListener("click", function () {
    if (state) fillPage(state, PAGE).then(function () { summary(state); });
  });
  toggle.addEventListener("change", function () { if (toggle.checked) setTimeout(function () { input.focus(); }, 50); });
  document.addEventListener("keydown", function (e) {
    var typing = /^(input|textarea|select)$/i.test((e.target && e.target.tagName) || "") || (e.target && e.target.isContentEditable);
    if (!typing && (e.key === "/" || e.key === "s" || e.key === "f") && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault(); toggle.checked = true; input.focus();
    } else if (e.key === "Escape" && toggle.checked) {
      toggle.checked = false; input.blur();
    }
  });
  // ?q=… opens the search with that query (used by links and by the tests).
  var q = new URLSearchParams(location.search).get("q");
  if (q) { input.value = q; toggle.checked = true; search(q); }
  window.handbookSearch = { search: search, normalize: function (t) { return load().then(function (e) { return normalize(t, e.charmap); }); } };
})();
