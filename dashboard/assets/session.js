// When a signed-in session ends (idle expiry, or signed out in another tab), the server answers
// Dash's requests with 401. Reload the page so that the server sends it to sign-in, rather than
// leaving a page that silently stops updating.
(function () {
  const original = window.fetch;
  let reloading = false;
  window.fetch = function (resource, init) {
    return original.call(this, resource, init).then(function (response) {
      const url = typeof resource === 'string' ? resource : (resource && resource.url) || '';
      if (response.status === 401 && url.indexOf('/_dash-') !== -1 && !reloading) {
        reloading = true;
        window.location.reload();
      }
      return response;
    });
  };
})();
