// Starts the rasa-webchat widget (vendored from npm by `make setup`) on Rasa's
// socket.io channel, and keeps a visible, announced connection status: the widget
// itself says nothing when the assistant is down.
(function () {
  "use strict";
  var config = window.KESTREL_CONFIG || {};
  var status = document.getElementById("status");

  function show(text, state) {
    status.textContent = text;
    status.className = "status " + state;
  }

  if (!window.WebChat) {
    show("The chat widget is missing: run `make setup` on the server.", "unavailable");
    return;
  }

  // Labels the widget's controls for screen readers and keyboards once they exist;
  // the widget renders them itself, its message field with only a placeholder.
  function labelControls() {
    var input = document.querySelector("#chat .rw-new-message");
    if (input && !input.getAttribute("aria-label")) input.setAttribute("aria-label", "Your message");
    var send = document.querySelector("#chat .rw-send");
    if (send && !send.getAttribute("aria-label")) send.setAttribute("aria-label", "Send");
    // Quick-reply buttons are plain <div>s: make them reachable and usable by keyboard.
    document.querySelectorAll("#chat .rw-reply:not([tabindex])").forEach(function (reply) {
      reply.setAttribute("tabindex", "0");
      reply.setAttribute("role", "button");
      reply.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          reply.click();
        }
      });
    });
    var messages = document.querySelector("#chat .rw-messages-container");
    if (messages && !messages.getAttribute("role")) {
      messages.setAttribute("role", "log");
      messages.setAttribute("aria-live", "polite");
      messages.setAttribute("aria-label", "Conversation");
    }
  }
  new MutationObserver(labelControls).observe(document.getElementById("chat"), { childList: true, subtree: true });

  window.WebChat.default(
    {
      socketUrl: config.socketUrl || location.protocol + "//" + location.hostname + ":" + config.rasaPort,
      socketPath: "/socket.io/",
      embedded: true,
      withRules: false, // Botfront's rules need its server; Rasa has none
      title: "Kestrel assistant",
      subtitle: "Orders, questions, recommendations",
      inputTextFieldHint: "Type your message and press Enter",
      params: { storage: "local" },
      showMessageDate: false,
      onSocketEvent: {
        connect: function () { show("Connected to the assistant.", "connected"); },
        connect_error: function () { show("The assistant is unavailable right now. Retrying…", "unavailable"); },
        disconnect: function () { show("The assistant is unavailable right now. Retrying…", "unavailable"); },
      },
    },
    document.getElementById("chat")
  );
})();
