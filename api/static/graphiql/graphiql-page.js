// GraphiQL's sign-in: the page is the same for everyone and does nothing until a bearer token is
// pasted. The token stays in this tab's sessionStorage and goes, as an Authorization header,
// with every request GraphiQL makes; the service decides what it may read
// (api/http/graphiql.py).
(function () {
  "use strict";

  var TOKEN_KEY = "qaf.graphiql.token";
  // GraphiQL's dialogs add one <style> element, with this nonce: the page's policy allows no
  // other inline style.
  window.__webpack_nonce__ = document.currentScript.nonce;
  var endpoint = window.location.pathname;
  var signIn = document.getElementById("sign-in");
  var form = document.getElementById("sign-in-form");
  var input = document.getElementById("token");
  var error = document.getElementById("token-error");
  var bar = document.getElementById("signed-in");
  var who = document.getElementById("who");
  var mount = document.getElementById("graphiql");
  var root = null;

  function showError(message) {
    error.textContent = message;
    error.hidden = false;
    input.setAttribute("aria-invalid", "true");
    input.focus();
  }

  // Who the token belongs to, or why it was refused: one small query before GraphiQL opens.
  function whoIs(token) {
    return fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        Authorization: "Bearer " + token,
      },
      body: JSON.stringify({ query: "query SignedInAs { me { displayName } }" }),
      credentials: "omit",
    }).then(function (response) {
      return response.json().then(function (body) {
        var me = body && body.data && body.data.me;
        if (response.ok && me) return me.displayName;
        var first = body && body.errors && body.errors[0];
        throw new Error(first ? first.message : "The service refused the token.");
      });
    });
  }

  function open(token, name) {
    signIn.hidden = true;
    who.textContent = name;
    bar.hidden = false;
    mount.hidden = false;
    var fetcher = GraphiQL.createFetcher({
      url: endpoint,
      headers: { Authorization: "Bearer " + token },
    });
    root = ReactDOM.createRoot(mount);
    root.render(
      React.createElement(GraphiQL, {
        fetcher: fetcher,
        // Queries, tabs and history last as long as the tab, like the token: an admin's
        // workstation may be shared.
        storage: window.sessionStorage,
        shouldPersistHeaders: false,
        defaultQuery: "{\n  me {\n    displayName\n  }\n}\n",
      }),
    );
  }

  function signOut() {
    window.sessionStorage.clear();
    if (root) root.unmount();
    root = null;
    mount.hidden = true;
    bar.hidden = true;
    who.textContent = "";
    input.value = "";
    signIn.hidden = false;
    input.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    error.hidden = true;
    input.removeAttribute("aria-invalid");
    var token = input.value.trim().replace(/^bearer\s+/i, "");
    if (!token) {
      showError("Paste your access token first.");
      return;
    }
    whoIs(token).then(
      function (name) {
        window.sessionStorage.setItem(TOKEN_KEY, token);
        input.value = "";
        open(token, name);
      },
      function (refused) {
        showError(refused.message);
      },
    );
  });

  document.getElementById("sign-out").addEventListener("click", signOut);

  var kept = window.sessionStorage.getItem(TOKEN_KEY);
  if (kept) {
    whoIs(kept).then(
      function (name) {
        open(kept, name);
      },
      function (refused) {
        window.sessionStorage.removeItem(TOKEN_KEY);
        showError(refused.message);
      },
    );
  } else {
    input.focus();
  }
})();
