// Checkpoint form: the rule "enrolled in the linked session" is offered only while a
// session is linked. Without this file the server refuses the combination with a message.
document.addEventListener("DOMContentLoaded", () => {
  const session = document.getElementById("session_id");
  const rule = document.getElementById("rule");
  if (!session || !rule) return;
  const enrolled = rule.querySelector('option[value="enrolled"]');
  if (!enrolled) return;

  function update() {
    const linked = session.value !== "";
    enrolled.disabled = !linked;
    if (!linked && rule.value === "enrolled") rule.value = "all";
  }

  session.addEventListener("change", update);
  update();
});
