/* The handbook's search: Pagefind (extended, which segments Chinese) behind Material's search box.
 *
 * The index holds every page's text plus every pair of adjacent Han characters in it, all
 * normalised per character (Traditional to Simplified, full-width to half-width, lower case; see
 * handbook/site/search.py). A query is normalised the same way and turned into the same pairs;
 * Pagefind returns the pages holding all of them; a page is shown only if its text holds each
 * query term itself, with the passage around the first one and every term marked.
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
  var engine = null, state = null, generation = 0;

  function say(text) { meta.textContent = text; }
  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  function load() {
    if (!engine) {
      engine = Promise.all([
        import(new URL("pagefind/pagefind.js", root).href),
        fetch(new URL("pagefind/handbook-charmap.json", root).href).then(function (r) { return r.json(); })
      ]).then(function (parts) {
        var pagefind = parts[0];
        return Promise.resolve(pagefind.options({ baseUrl: root.pathname })).then(function () {
          // Fetch the wasm and the index's metadata now, while the reader is still typing.
          return pagefind.init ? pagefind.init() : null;
        }).then(function () {
          return { pagefind: pagefind, sentinel: parts[1].sentinel, charmap: parts[1].charmap };
        });
      });
      engine.catch(function () { engine = null; });
    }
    return engine;
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
      }
      out += n.length === c.length ? n : c;
    }
    return out;
  }

  function terms(query, charmap) {
    var seen = {};
    return normalize(query, charmap).split(/[\s\p{P}\p{S}]+/u).filter(function (t) {
      if (!t || seen[t]) return false;
      seen[t] = true;
      return true;
    });
  }

  /* The words handed to Pagefind: a term's Han runs as pairs of adjacent characters (the run
   * itself when it is one character), its other runs as they are. */
  function pagefindQuery(list) {
    var words = {};
    list.forEach(function (term) {
      var runs = term.match(/(?:[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[\ud840-\ud8bf][\udc00-\udfff])+|[^\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ud840-\udfff]+/g) || [];
      runs.forEach(function (run) {
        if (!HAN.test(run)) { words[run] = true; return; }
        var chars = Array.from(run);
        if (chars.length === 1) words[run] = true;
        for (var i = 0; i + 1 < chars.length; i++) words[chars[i] + chars[i + 1]] = true;
      });
    });
    return Object.keys(words).join(" ");
  }

  function check(result, eng, list) {
    return result.data().then(function (data) {
      var text = String(data.content || "");
      var cut = text.indexOf(eng.sentinel);
      if (cut >= 0) text = text.slice(0, cut);
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
    var url = new URL(hit.data.url, location.href);
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
    h.textContent = (hit.data.meta && hit.data.meta.title) || hit.data.url;
    article.appendChild(icon);
    article.appendChild(h);
    article.appendChild(excerpt(hit, list));
    a.appendChild(article);
    li.appendChild(a);
    return li;
  }

  /* Verify candidates in order until `want` more hits are shown or the candidates run out. */
  function fillPage(run, want) {
    var shown = 0;
    function step() {
      if (run.id !== generation) return Promise.resolve();
      if (shown >= want || run.next >= run.candidates.length) return Promise.resolve();
      var result = run.candidates[run.next++];
      return check(result, run.engine, run.terms).then(function (hit) {
        if (run.id !== generation) return;
        if (hit) { run.hits.push(hit); list.appendChild(render(hit, run.terms)); shown++; }
        return step();
      });
    }
    return step();
  }

  function summary(run) {
    if (run.next >= run.candidates.length) {
      say(run.hits.length ? fill(labels.search_count, { n: run.hits.length }) : fill(labels.search_none, { q: run.query }));
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
      return eng.pagefind.debouncedSearch(pagefindQuery(list_), {}, DEBOUNCE_MS).then(function (found) {
        if (found === null || id !== generation) return;  // superseded by a newer query
        var run = { id: id, query: query, terms: list_, engine: eng, candidates: found.results, next: 0, hits: [] };
        state = run;
        // Each candidate checked costs one fragment fetch: check only as many as are shown.
        return fillPage(run, PAGE).then(function () { if (id === generation) summary(run); });
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
