"use strict";
// Everything from the server is written with textContent: retrieved text can never become markup or a link.
const $ = (id) => document.getElementById(id);
let last = null;
const params = new URLSearchParams(location.hash.slice(1));
if (params.get("key")) {
  $("key").value = params.get("key");
  // The key leaves the address bar (and the history, and any Referer) as soon as it is read.
  history.replaceState(null, "", location.pathname + location.search);
}
// Inside a helpdesk's frame the browser may refuse storage to a third-party page: the sidebar works without it.
function stored(name) { try { return sessionStorage.getItem(name); } catch (err) { return null; } }
function store(name, value) { try { sessionStorage.setItem(name, value); } catch (err) { /* not kept */ } }
if (stored("assist-key") && !$("key").value) { $("key").value = stored("assist-key"); }

function text(id, value) { $(id).textContent = value == null || value === "" ? "—" : String(value); }

function left(iso) {
  if (!iso) return "—";
  const ms = new Date(iso).getTime() - Date.now();
  const sign = ms < 0 ? "overdue " : "";
  const m = Math.floor(Math.abs(ms) / 60000);
  return sign + (m >= 1440 ? Math.floor(m / 1440) + "d " : "") + (Math.floor(m / 60) % 24) + "h " + (m % 60) + "m";
}

async function call(path, body) {
  const key = $("key").value.trim();
  store("assist-key", key);
  const resp = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json",
    "Authorization": "Bearer " + key }, body: JSON.stringify(body) });
  const data = await resp.json();
  if (!resp.ok) { throw new Error((data.error && data.error.message) || resp.statusText); }
  return data;
}

// kb_confidence is a calibrated probability that the cited source answers the ticket: below even odds, the answer
// is more likely wrong than right, so it is shown folded as "best matches", not as a reply to send.
const CONFIDENT = 0.5;

function render(data) {
  last = data;
  $("result").classList.remove("hidden");
  const confident = data.answer.text && data.confidence >= CONFIDENT;
  $("no-confident").classList.toggle("hidden", confident || !data.answer.text);
  $("answer-fold").classList.toggle("hidden", confident || !data.answer.text);
  // Folded: the text lives inside the closed <details>; confident: in the card itself, above its mode.
  if (confident) $("answer-mode").before($("answer")); else $("answer-fold").append($("answer"));
  text("answer", data.answer.text || "No answer in the knowledge base — escalate.");
  text("answer-mode", data.answer.mode);
  text("confidence", "confidence " + Math.round(data.confidence * 100) + "%");
  const cites = $("citations"); cites.replaceChildren();
  for (const c of data.citations) {
    const a = document.createElement("a"); a.href = "#"; a.className = "cite";
    a.textContent = "[" + c.n + "] " + (c.title || c.source_id) + " — " + c.source + ":" + c.source_id;
    const snip = document.createElement("div"); snip.className = "snippet hidden"; snip.textContent = c.snippet;
    a.addEventListener("click", (e) => { e.preventDefault(); snip.classList.toggle("hidden"); });
    cites.append(a, snip);
  }
  const notes = $("internal-notes"); notes.replaceChildren();
  for (const n of data.internal_notes) {
    const d = document.createElement("div"); d.className = "snippet";
    d.textContent = n.source + ":" + n.source_id + " — " + n.snippet; notes.append(d);
  }
  $("internal").classList.toggle("hidden", data.internal_notes.length === 0);
  const d = data.decision;
  $("tier").className = "tier " + (d.escalate ? "escalate" : "stay");
  text("tier", (d.escalate ? "Escalate to " : "Stay at ") + d.tier);
  text("queue", d.queue ? "Queue: " + d.queue : "");
  text("owner", d.owner_role); text("backup", d.backup_role);
  text("reply-by", d.sla.reply_by); text("resolve-by", d.sla.resolve_by);
  text("next-escalation", d.next_escalation_at || (d.sla.paused ? "paused" : "none"));
  text("notify", d.notify.join(", "));
  text("rule", d.rule_id); text("reason", d.reason);
  const assumed = d.trace.filter((s) => s.rule === "defaults").map((s) => s.detail);
  $("assumed").textContent = assumed.length ? "Assumed, please check: " + assumed.join("; ") : "";
  renderNeeds(data.needs_agent || {});
  // A language the fact word lists do not read: the facts rest on codes and product names alone.
  const lang = data.language;
  $("language").textContent = !lang ? "" : ("Written in " + lang.code.toUpperCase() + (lang.lexicon ? "" :
    ", which the fact word lists do not read: check the facts before relying on this decision"));
  const tiers = $("feedback-tier");
  if (tiers.options.length === 1) {
    for (const t of ["T1", "T2", "T3", "T4"]) { const o = document.createElement("option"); o.value = o.textContent = t; tiers.append(o); }
  }
  tick();
}

// Facts inferred too weakly to decide on: each gets a field holding the suggestion as a hint; what the agent types
// is sent as the helpdesk's own fact on re-run (lists comma-separated). Severity has its own select above.
function renderNeeds(needs) {
  const names = Object.keys(needs).filter((n) => n !== "severity");
  $("needs-agent").classList.toggle("hidden", Object.keys(needs).length === 0);
  const edits = $("fact-edits"); edits.replaceChildren();
  for (const name of names) {
    const f = needs[name];
    const label = document.createElement("label"); label.textContent = name + " ";
    const input = document.createElement("input"); input.dataset.fact = name; input.dataset.list = Array.isArray(f.value);
    input.placeholder = "suggested: " + [].concat(f.value).join(", ") + " (" + Math.round(f.confidence * 100) + "% sure)";
    input.title = f.source; label.append(input); edits.append(label);
  }
  const sev = needs.severity;
  $("set-severity").options[0].textContent = sev ? "suggested " + sev.value + "?" : "as inferred";
}

function tick() {
  if (!last) return;
  const s = last.decision.sla;
  text("reply-left", left(s.reply_by)); text("resolve-left", left(s.resolve_by));
  $("reply-left").classList.toggle("breach", s.reply_breached || new Date(s.reply_by) < Date.now());
  $("resolve-left").classList.toggle("breach", s.resolve_breached || new Date(s.resolve_by) < Date.now());
}
setInterval(tick, 30000);

function ticket() {
  const facts = {};
  if ($("set-severity").value) facts.severity = $("set-severity").value;
  for (const input of document.querySelectorAll("#fact-edits input")) {
    const v = input.value.trim();
    if (v) facts[input.dataset.fact] = input.dataset.list === "true" ? v.split(",").map((x) => x.trim()).filter(Boolean) : v;
  }
  return { ticket_id: $("ticket-id").value.trim() || null, subject: $("subject").value.trim() || null,
           body: $("body").value, account_id: $("account").value.trim() || null, facts };
}
$("rerun").addEventListener("click", () => $("ticket-form").requestSubmit());

$("ticket-form").addEventListener("submit", async (e) => {
  e.preventDefault(); $("error").textContent = ""; $("status").textContent = "";
  try { render(await call("/v1/assist", ticket())); } catch (err) { $("error").textContent = err.message; }
});

async function send(method, path, body) {
  const resp = await fetch(path, { method, headers: { "Content-Type": "application/json",
    "Authorization": "Bearer " + $("key").value.trim() }, body: body ? JSON.stringify(body) : undefined });
  const data = await resp.json();
  return { ok: resp.ok, status: resp.status, data };
}

// Accepting hands the ticket to the SLA tracker at the decided tier: from now on time enforces the clock.
$("accept").addEventListener("click", async () => {
  if (!last) return;
  if (!last.ticket_id) { $("error").textContent = "ticket id: needed to track the escalation"; return; }
  const facts = {};
  for (const [k, v] of Object.entries(last.facts)) facts[k] = v.value;
  facts.current_tier = last.decision.tier;
  let r = await send("POST", "/v1/tickets", { ticket_id: last.ticket_id, account_id: last.account_id, facts });
  if (r.status === 409) {
    r = await send("PATCH", ticketPath(""), { facts: { current_tier: facts.current_tier } });
  }
  if (!r.ok) { $("error").textContent = (r.data.error && r.data.error.message) || "failed"; return; }
  const d = r.data;
  $("status").textContent = "Escalation accepted: " + d.tier + (d.queue ? " / " + d.queue : "") +
    ", owner " + d.owner_role + (d.next_escalation_at ? "; next automatic escalation " + d.next_escalation_at : "") + ".";
  await showTimeline();
});

// Ticket ids are per account; a key not bound to an account names it.
function ticketPath(suffix) {
  const q = last.account_id ? "?account_id=" + encodeURIComponent(last.account_id) : "";
  return "/v1/tickets/" + encodeURIComponent(last.ticket_id) + suffix + q;
}

async function showTimeline() {
  if (!last || !last.ticket_id) return;
  const r = await send("GET", ticketPath("/timeline"));
  const list = $("timeline"); list.replaceChildren();
  if (!r.ok) { $("status").textContent = "Not tracked yet: accept the escalation to start its clocks."; return; }
  for (const e of r.data) {
    if (e.kind === "evaluation") continue;
    const li = document.createElement("li");
    const what = e.kind === "escalation" || e.kind === "routed" ? e.kind + " to " + e.to + " (" + e.rule_id + ")"
      : e.kind === "notification" ? "notified " + e.target : e.kind;
    li.textContent = e.at + " — " + what;
    list.append(li);
  }
  $("timeline-box").classList.remove("hidden");
}
$("show-timeline").addEventListener("click", showTimeline);

$("resolved").addEventListener("click", async () => {
  if (!last || !last.ticket_id) { $("error").textContent = "ticket id: needed to record a resolution"; return; }
  try {
    const r = await call("/v1/tickets/" + encodeURIComponent(last.ticket_id) + "/resolution",
      { resolution: last.answer.text, summary: $("subject").value.trim() || null, account_id: last.account_id });
    $("status").textContent = "Resolution recorded (" + r.indexed_chunks + " chunk indexed)" +
      (r.recurring ? " — recurring issue: " + r.resolved_in_30_days + " times in 30 days." : ".");
  } catch (err) { $("error").textContent = err.message; }
});

// A helpdesk app frame can send the ticket: postMessage({type: "ticket", ticket: {...}}, origin). Only the
// helpdesk origins the service is configured with (ASSIST_SIDEBAR_ORIGINS, e.g. https://*.zendesk.com) may: any
// other page framing the sidebar would otherwise make it call the API with the agent's key.
const allowed = (document.querySelector('meta[name="assist-sidebar-origins"]').content || "")
  .split(/\s+/).filter(Boolean)
  .map((o) => new RegExp("^" + o.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[a-z0-9-]+") + "$"));
window.addEventListener("message", (e) => {
  if (!allowed.some((re) => re.test(e.origin))) return;
  if (!(e.data && e.data.type === "ticket")) return;
  const t = e.data.ticket || {};
  $("ticket-id").value = t.ticket_id || ""; $("subject").value = t.subject || "";
  $("body").value = t.body || ""; $("account").value = t.account_id || "";
  $("ticket-form").requestSubmit();
});

// Agent feedback: a thumbs up, or what was wrong and (optionally) the right tier. It becomes labelled data.
async function feedback(helpful) {
  if (!last) return;
  const body = { helpful };
  if (!helpful) {
    body.reason = $("feedback-reason").value;
    if ($("feedback-tier").value) body.corrected = { tier: $("feedback-tier").value };
  }
  try {
    await call("/v1/decisions/" + encodeURIComponent(last.decision_id) + "/feedback", body);
    $("status").textContent = "Thanks: your feedback is recorded.";
  } catch (err) { $("error").textContent = err.message; }
}
$("helpful").addEventListener("click", () => feedback(true));
$("unhelpful").addEventListener("click", () => feedback(false));
