/*
 * Kestrel support console: the login page and the console page (plain JS, no libraries).
 *
 * Stable hooks for browser tests:
 *   login page      #username, #password, #login-button, #status-message
 *   queue           #queue, rows [data-ticket-id="<id>"] (click to open), #queue-empty
 *   ticket view     #ticket-view, #ticket-title, #ticket-meta, #claim-button, #resolve-button,
 *                   #transcript with <li data-kind="customer|assistant|agent|system">, #transcript-error,
 *                   #reply-text, #reply-button, #notes, #note-text, #note-button
 *   everywhere      #status-message (the outcome of the last action), #agent-name, #logout-button
 *   metrics         #metrics with <dd data-metric="<field of GET /api/metrics>">, #metrics-days
 *
 * Text from the server is only ever set with textContent, never parsed as HTML.
 * The queue and the open ticket refresh every 2 s, the metrics every 30 s.
 */
"use strict";

const REFRESH_MS = 2000;
const METRICS_REFRESH_MS = 30000;

function $(selector) {
  return document.querySelector(selector);
}

function el(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

function say(message, isError) {
  const status = $("#status-message");
  status.textContent = message || "";
  status.classList.toggle("error", Boolean(isError));
}

/* fetch with JSON in and out; a lost session sends the agent back to the login page. */
async function api(method, path, body) {
  const options = { method, credentials: "same-origin", headers: {} };
  if (method !== "GET") {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body || {});
  }
  let response;
  try {
    response = await fetch(path, options);
  } catch (error) {
    return { ok: false, status: 0, data: { reason: "The console server cannot be reached. Please check your connection." } };
  }
  const data = await response.json().catch(() => ({}));
  if (response.status === 401 && path !== "/api/login") {
    window.location.assign("/login");
  }
  return { ok: response.ok, status: response.status, data };
}

function minutesSince(iso) {
  const minutes = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 60000));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function timeOf(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}

/* ---------- login page ---------- */

function startLoginPage() {
  $("#login-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    $("#login-button").disabled = true;
    say("Logging in…");
    const result = await api("POST", "/api/login", { username: $("#username").value, password: $("#password").value });
    $("#login-button").disabled = false;
    if (result.ok) {
      window.location.assign("/");
    } else {
      say(result.data.reason || "Logging in did not work. Please try again.", true);
      $("#password").value = "";
      $("#password").focus();
    }
  });
}

/* ---------- console page ---------- */

// handBackPending: resolved tickets whose hand-back to the assistant failed, so Resolve may be retried.
const state = { me: null, ticketId: null, ticket: null, transcriptKey: "", handBackPending: new Set() };

function ticketIdFromPath() {
  const match = window.location.pathname.match(/^\/tickets\/(\d+)$/);
  return match ? Number(match[1]) : null;
}

function statusText(ticket) {
  if (ticket.status === "open") return "waiting for an agent";
  if (ticket.status === "claimed") return ticket.mine ? "claimed by you" : `claimed by ${ticket.agent}`;
  return `resolved by ${ticket.agent}`;
}

function holder(ticket) {
  if (ticket.status === "open") return "nobody yet";
  return ticket.mine ? "you" : ticket.agent;
}

function renderQueue(tickets) {
  const rows = $("#queue-rows");
  rows.replaceChildren();
  for (const ticket of tickets) {
    const row = el("tr", { "data-ticket-id": String(ticket.id), "data-status": ticket.status });
    if (ticket.id === state.ticketId) row.classList.add("selected");
    const link = el("a", { href: `/tickets/${ticket.id}` }, `#${ticket.id}`);
    const first = el("td");
    first.append(link);
    row.append(first);
    for (const value of [ticket.priority, `${ticket.category} (${ticket.queue})`, `${ticket.reason}, ${ticket.channel}`,
      holder(ticket), minutesSince(ticket.created_at)]) {
      row.append(el("td", {}, value));
    }
    row.classList.add(`priority-${ticket.priority}`);
    row.addEventListener("click", (event) => {
      event.preventDefault();
      openTicket(ticket.id, true);
    });
    rows.append(row);
  }
  $("#queue-empty").hidden = tickets.length > 0;
}

async function refreshQueue() {
  const result = await api("GET", "/api/tickets");
  if (result.ok) renderQueue(result.data.tickets);
}

function renderTranscript(entries, error) {
  $("#transcript-error").hidden = !error;
  $("#transcript-error").textContent = error || "";
  const key = JSON.stringify(entries);
  if (key === state.transcriptKey) return;
  state.transcriptKey = key;
  const list = $("#transcript");
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 20;
  list.replaceChildren();
  const labels = { customer: "Customer", assistant: "Assistant", system: "" };
  for (const entry of entries) {
    const item = el("li", { "data-kind": entry.kind });
    const who = entry.kind === "agent" ? entry.author : labels[entry.kind];
    item.append(el("span", { class: "meta" }, [timeOf(entry.at), who].filter(Boolean).join(" · ")));
    item.append(el("span", { class: "text" }, entry.text));
    list.append(item);
  }
  if (atBottom) list.scrollTop = list.scrollHeight;
}

function renderTicket(ticket) {
  state.ticket = ticket;
  $("#ticket-view").hidden = false;
  $("#ticket-title").textContent = `Ticket #${ticket.id}: ${ticket.category}, ${ticket.priority} priority`;
  $("#ticket-meta").textContent = `${statusText(ticket)} · queue ${ticket.queue} · reason ${ticket.reason} · ` +
    `via ${ticket.channel} · opened ${timeOf(ticket.created_at)}`;
  const mine = ticket.mine;
  const retry = ticket.status === "resolved" && state.handBackPending.has(ticket.id);
  $("#claim-button").hidden = ticket.status !== "open";
  $("#resolve-button").disabled = !(mine || retry);
  $("#resolve-button").textContent = retry ? "Try the hand-back to the assistant again"
    : "Resolve and hand back to the assistant";
  $("#reply-text").disabled = !mine;
  $("#reply-button").disabled = !mine;
  $("#note-text").disabled = ticket.status === "resolved";
  $("#note-button").disabled = ticket.status === "resolved";
  $("#notes").textContent = ticket.notes || "No notes yet.";
}

async function refreshTicket() {
  if (state.ticketId === null) return;
  const id = state.ticketId;
  const result = await api("GET", `/api/tickets/${id}`);
  if (id !== state.ticketId) return; // the agent opened another ticket meanwhile
  if (result.ok) {
    renderTicket(result.data.ticket);
    renderTranscript(result.data.transcript, result.data.transcript_error);
  } else if (result.status === 404) {
    $("#ticket-view").hidden = true;
    say(result.data.reason, true);
  }
}

function openTicket(id, push) {
  if (push) window.history.pushState({}, "", `/tickets/${id}`);
  state.ticketId = id;
  state.transcriptKey = "";
  $("#transcript").replaceChildren();
  $("#reply-text").value = "";
  $("#note-text").value = "";
  say("");
  for (const row of document.querySelectorAll("[data-ticket-id]")) {
    row.classList.toggle("selected", Number(row.dataset.ticketId) === id);
  }
  refreshTicket();
}

/* Run a ticket action; report its outcome and refresh what it changed. */
async function act(button, path, body, success) {
  const id = state.ticketId;
  button.disabled = true;
  const result = await api("POST", `/api/tickets/${id}/${path}`, body);
  button.disabled = false;
  say(result.ok ? success : (result.data.reason || "That did not work. Please try again."), !result.ok);
  if (path === "resolve") {
    if (result.status === 502) state.handBackPending.add(id);
    else state.handBackPending.delete(id);
  }
  await Promise.all([refreshTicket(), refreshQueue(), refreshMetrics()]);
  return result.ok;
}

function metricText(name, value, figures) {
  if (value === null || value === undefined) return "n/a";
  if (name.endsWith("_rate")) return `${(value * 100).toFixed(1)} %`;
  if (name.endsWith("_s")) {
    const minutes = Math.floor(value / 60);
    return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min ${Math.round(value % 60)} s`;
  }
  if (name === "csat_mean") return `${value.toFixed(2)} / 5 (${figures.csat_responses} ratings)`;
  return String(value);
}

const METRICS = [
  ["conversations", "Conversations"],
  ["tickets", "Handed to a person"],
  ["open", "Waiting"],
  ["claimed", "Being helped"],
  ["resolved", "Resolved"],
  ["handoff_rate", "Handoff rate"],
  ["self_service_rate", "Solved by the assistant"],
  ["first_reply_median_s", "First reply (median)"],
  ["first_reply_mean_s", "First reply (mean)"],
  ["resolution_median_s", "Resolution time (median)"],
  ["csat_mean", "Customer rating"],
];

async function refreshMetrics() {
  const result = await api("GET", `/api/metrics?days=${encodeURIComponent($("#metrics-days").value)}`);
  if (!result.ok) return;
  const list = $("#metrics");
  list.replaceChildren();
  for (const [name, label] of METRICS) {
    list.append(el("dt", {}, label));
    list.append(el("dd", { "data-metric": name }, metricText(name, result.data[name], result.data)));
  }
}

function repeat(task, everyMs) {
  const run = async () => {
    try {
      await task();
    } finally {
      window.setTimeout(run, everyMs);
    }
  };
  run();
}

async function startConsolePage() {
  const me = await api("GET", "/api/me");
  if (!me.ok) return;
  state.me = me.data.agent;
  $("#agent-name").textContent = `Logged in as ${state.me.display_name}`;

  $("#logout-button").addEventListener("click", async () => {
    await api("POST", "/api/logout");
    window.location.assign("/login");
  });
  $("#claim-button").addEventListener("click", () =>
    act($("#claim-button"), "claim", {}, "The ticket is yours. The customer has been told you joined."));
  $("#resolve-button").addEventListener("click", () =>
    act($("#resolve-button"), "resolve", {}, "Resolved. The assistant is back and asks the customer for a rating."));
  $("#reply-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = $("#reply-text").value.trim();
    if (!text) return say("Please write a reply first.", true);
    if (await act($("#reply-button"), "reply", { text }, "Reply sent.")) $("#reply-text").value = "";
  });
  $("#note-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const note = $("#note-text").value.trim();
    if (!note) return say("Please write a note first.", true);
    if (await act($("#note-button"), "notes", { note }, "Note added.")) $("#note-text").value = "";
  });
  $("#metrics-days").addEventListener("change", refreshMetrics);
  window.addEventListener("popstate", () => {
    const id = ticketIdFromPath();
    if (id === null) {
      state.ticketId = null;
      $("#ticket-view").hidden = true;
    } else {
      openTicket(id, false);
    }
  });

  const initial = ticketIdFromPath();
  if (initial !== null) openTicket(initial, false);
  repeat(refreshQueue, REFRESH_MS);
  repeat(refreshTicket, REFRESH_MS);
  repeat(refreshMetrics, METRICS_REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  if (document.body.dataset.page === "login") startLoginPage();
  else startConsolePage();
});
