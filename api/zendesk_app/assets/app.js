"use strict";
// The Escalation Assist app in Zendesk's ticket sidebar. It reads the open ticket through the ZAF client, asks the
// service through Zendesk's proxy (client.request with secure: true, so the API key setting is filled in by
// Zendesk and never reaches this page), and shows the answer, its sources, the decision, the facts it assumed and
// the SLA clocks. Everything from the service is written with textContent. Insert answer puts the reply into the
// composer; it never sends it.
var client = ZAFClient.init();
var state = { settings: {}, result: null };
// An agent's priority is a call about severity; normal is every ticket's default and says nothing (the service's
// webhook reads it the same way).
var PRIORITY_SEVERITY = { urgent: "S1", high: "S2" };
// kb_confidence is a calibrated probability that the cited source answers the ticket: below even odds the text is
// shown as the best match, not as a reply.
var CONFIDENT = 0.5;

function $(id) { return document.getElementById(id); }
function text(id, value) { $(id).textContent = value == null || value === "" ? "—" : String(value); }
function show(id, on) { $(id).classList.toggle("hidden", !on); }

function api(path, method, body) {
  return client.request({
    url: String(state.settings.service_url || "").replace(/\/+$/, "") + path,
    type: method,
    contentType: "application/json",
    dataType: "json",
    headers: { Authorization: "Bearer {{setting.api_key}}" },
    secure: true,
    data: body ? JSON.stringify(body) : undefined
  });
}

function failure(err) {
  var body = err && (err.responseJSON || (err.responseText && JSON.parse(err.responseText)));
  return (body && body.error && body.error.message) || (err && err.message) || "the service did not answer";
}

function factFields() {
  try { return JSON.parse(state.settings.fact_fields || "{}"); } catch (e) { return {}; }
}

function suggest() {
  $("error").textContent = ""; show("loading", true);
  var fields = factFields();
  var paths = ["ticket.id", "ticket.subject", "ticket.description", "ticket.organization", "ticket.priority"];
  Object.keys(fields).forEach(function (id) { paths.push("ticket.customField:custom_field_" + id); });
  return client.get(paths).then(function (data) {
    var facts = {};
    Object.keys(fields).forEach(function (id) {
      var value = data["ticket.customField:custom_field_" + id];
      if (value != null && value !== "") { facts[fields[id]] = value; }
    });
    var severity = PRIORITY_SEVERITY[String(data["ticket.priority"] || "").toLowerCase()];
    if (severity && !facts.severity) { facts.severity = severity; }
    var org = data["ticket.organization"];
    var body = data["ticket.description"] || data["ticket.subject"];
    if (!body) { throw new Error("Write the ticket's description, then ask for a suggestion."); }
    return api("/v1/assist", "POST", {
      ticket_id: data["ticket.id"] ? String(data["ticket.id"]) : null,
      subject: data["ticket.subject"] || null,
      body: body,
      facts: facts,
      zendesk_organization_id: org && org.id ? String(org.id) : null
    });
  }).then(render).catch(function (err) {
    show("loading", false);
    $("error").textContent = err instanceof Error ? err.message : failure(err);
  });
}

function render(data) {
  state.result = data;
  show("loading", false); show("result", true);
  var d = data.decision;
  $("decision").className = "tier" + (d.escalate ? " escalate" : "");
  text("decision", (data.deflected ? "Keep at Tier 1" : d.escalate ? "Escalate to " + d.tier : "Stay at " + d.tier) +
    (d.queue ? " · " + d.queue : "") + " · owner " + d.owner_role);
  text("reason", d.rule_id + ": " + d.reason);
  // What the matrix assumed, and what the words were too unclear to decide on (the suggestion, for the agent to set
  // in the ticket's fields).
  var notes = (data.assumed || []).map(function (a) { return a; });
  Object.keys(data.needs_agent || {}).forEach(function (name) {
    var f = data.needs_agent[name];
    notes.push(name + " unclear, suggested " + [].concat(f.value).join(", ") + " (" + Math.round(f.confidence * 100) + "% sure)");
  });
  if (data.language && !data.language.lexicon) {
    notes.push("written in " + data.language.code.toUpperCase() + ", which the fact word lists do not read");
  }
  text("assumed", notes.length ? "Please check: " + notes.join("; ") : "");
  show("assumed", notes.length > 0);
  text("reply-by", d.sla.reply_by); text("resolve-by", d.sla.resolve_by);
  var confident = data.answer.text && data.confidence >= CONFIDENT;
  text("answer", !data.answer.text ? "No answer in the knowledge base." :
    confident ? data.answer.text : "No confident answer. Best match: " + data.answer.text);
  text("confidence", "(confidence " + Math.round(data.confidence * 100) + "%)");
  var list = $("citations"); list.replaceChildren();
  data.citations.forEach(function (c) {
    var li = document.createElement("li");
    li.textContent = (c.title || c.source_id) + " — " + c.source + ":" + c.source_id;
    list.append(li);
  });
  var tiers = $("tier-select");
  if (tiers.options.length === 1) {
    ["T1", "T2", "T3", "T4"].forEach(function (t) { var o = document.createElement("option"); o.value = t; o.textContent = t; tiers.append(o); });
  }
  $("insert").disabled = !confident;
}

$("insert").addEventListener("click", function () {
  if (!state.result || !state.result.answer.text) { return; }
  client.invoke("ticket.comment.appendText", state.result.answer.text).then(function () {
    $("status").textContent = "Answer inserted in the reply: review it, then send it yourself.";
  });
});

function feedback(helpful) {
  if (!state.result) { return; }
  var body = { helpful: helpful };
  if (!helpful) {
    body.reason = $("reason-select").value;
    if ($("tier-select").value) { body.corrected = { tier: $("tier-select").value }; }
  }
  api("/v1/decisions/" + state.result.decision_id + "/feedback", "POST", body).then(function () {
    $("status").textContent = "Thanks: your feedback is recorded.";
  }).catch(function (err) { $("error").textContent = failure(err); });
}
$("helpful").addEventListener("click", function () { feedback(true); });
$("unhelpful").addEventListener("click", function () { feedback(false); });
$("refresh").addEventListener("click", suggest);

client.metadata().then(function (meta) {
  state.settings = (meta && meta.settings) || {};
  client.invoke("resize", { width: "100%", height: "600px" });
  return suggest();
});
