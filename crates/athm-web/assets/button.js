/*! athm payment button: no dependencies, no external assets, no cookies.
 *
 * <div data-athm-checkout="SIGNED CHECKOUT TOKEN" data-athm-theme="btn" data-athm-lang="es"></div>
 * <script src="/athm/button.js" defer></script>
 *
 * The checkout token is created on the server (POST /athm/api/checkouts or
 * athm_web::sign_checkout): the total, items, metadata and the success and
 * failure URLs are bound there and never read from the page. Themes: btn,
 * btn-dark, btn-light. Languages: es, en. Several buttons may share a page.
 */
(function () {
  'use strict';
  if (window.AthmButton) { window.AthmButton.scan(); return; }

  var script = document.currentScript;
  var BASE = script && script.src ? script.src.replace(/\/button\.js(?:[?#].*)?$/, '') : '';
  var POLL_MS = 2000;
  var THEMES = ['btn', 'btn-dark', 'btn-light'];

  var TEXTS = {
    es: {
      pay: 'Pagar con ATH Móvil',
      title: 'Pagar con ATH Móvil',
      total: 'Total',
      phoneLabel: 'Tu número de teléfono de ATH Móvil',
      phoneHint: '10 dígitos, por ejemplo 7875551234. Recibirás la solicitud de pago en la aplicación.',
      send: 'Enviar solicitud de pago',
      sending: 'Enviando…',
      cancel: 'Cancelar',
      close: 'Cerrar',
      proceed: 'Continuar',
      invalidPhone: 'Escribe un número de teléfono de 10 dígitos.',
      sentTo: 'Enviamos una solicitud de pago de {total} al {phone}.',
      approve: 'Abre ATH Móvil en tu teléfono y aprueba el pago antes de que se acabe el tiempo.',
      timeLeft: 'Tiempo restante',
      cancelPayment: 'Cancelar el pago',
      authorizing: 'Pago aprobado. Completando el pago…',
      completed: 'Pago completado. Número de referencia: {ref}.',
      redirecting: 'Te llevamos a la confirmación…',
      declined: 'El pago fue rechazado o cancelado en ATH Móvil. No se cobró nada.',
      expired: 'Se acabó el tiempo para aprobar el pago. No se cobró nada.',
      cancelled: 'Cancelaste el pago. No se cobró nada.',
      error: 'No pudimos procesar el pago. Inténtalo de nuevo más tarde.',
      tooMany: 'Demasiados intentos. Espera unos minutos e inténtalo de nuevo.',
      checkoutExpired: 'Esta orden caducó. Recarga la página e inténtalo de nuevo.'
    },
    en: {
      pay: 'Pay with ATH Móvil',
      title: 'Pay with ATH Móvil',
      total: 'Total',
      phoneLabel: 'Your ATH Móvil phone number',
      phoneHint: '10 digits, for example 7875551234. You will get the payment request in the app.',
      send: 'Send payment request',
      sending: 'Sending…',
      cancel: 'Cancel',
      close: 'Close',
      proceed: 'Continue',
      invalidPhone: 'Enter a 10-digit phone number.',
      sentTo: 'We sent a payment request of {total} to {phone}.',
      approve: 'Open ATH Móvil on your phone and approve the payment before the time runs out.',
      timeLeft: 'Time left',
      cancelPayment: 'Cancel payment',
      authorizing: 'Payment approved. Completing the payment…',
      completed: 'Payment completed. Reference number: {ref}.',
      redirecting: 'Taking you to the confirmation…',
      declined: 'The payment was declined or cancelled in ATH Móvil. Nothing was charged.',
      expired: 'The time to approve the payment ran out. Nothing was charged.',
      cancelled: 'You cancelled the payment. Nothing was charged.',
      error: 'We could not process the payment. Please try again later.',
      tooMany: 'Too many attempts. Wait a few minutes and try again.',
      checkoutExpired: 'This order has expired. Reload the page and try again.'
    }
  };

  // The button's styles (assets/button.css), filled in by the server.
  var CSS = '';

  var counter = 0;

  function injectCss() {
    if (document.getElementById('athm-button-css')) return;
    var style = document.createElement('style');
    style.id = 'athm-button-css';
    style.textContent = CSS;
    (document.head || document.documentElement).appendChild(style);
  }

  function fill(text, values) {
    return text.replace(/\{(\w+)\}/g, function (_, k) { return values[k] != null ? values[k] : ''; });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) return;
      if (k === 'text') node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }

  /* The total, for display only: the server reads it from the signed token. */
  function checkoutTotal(token) {
    try {
      var part = token.split('.')[0].replace(/-/g, '+').replace(/_/g, '/');
      while (part.length % 4) part += '=';
      var bytes = atob(part);
      var json = decodeURIComponent(Array.prototype.map.call(bytes, function (c) {
        return '%' + ('00' + c.charCodeAt(0).toString(16)).slice(-2);
      }).join(''));
      var total = JSON.parse(json).checkout.total;
      return total != null ? '$' + Number(total).toFixed(2) : '';
    } catch (e) {
      return '';
    }
  }

  function formatPhone(digits) {
    return '(' + digits.slice(0, 3) + ') ' + digits.slice(3, 6) + '-' + digits.slice(6);
  }

  function clock(seconds) {
    var m = Math.floor(seconds / 60), s = seconds % 60;
    return m + ':' + (s < 10 ? '0' : '') + s;
  }

  function withParams(url, params) {
    var u = new URL(url, window.location.href);
    Object.keys(params).forEach(function (k) { if (params[k]) u.searchParams.set(k, params[k]); });
    return u.toString();
  }

  function api(method, path, body, session) {
    var headers = { 'Accept': 'application/json' };
    if (body) headers['Content-Type'] = 'application/json';
    if (session) headers['X-Athm-Session'] = session;
    return fetch(BASE + path, {
      method: method,
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
      credentials: 'omit',
      cache: 'no-store'
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (json) {
        return { ok: r.ok, status: r.status, json: json };
      });
    });
  }

  function Payment(host) {
    this.host = host;
    this.token = host.getAttribute('data-athm-checkout') || '';
    var lang = (host.getAttribute('data-athm-lang') || document.documentElement.lang || 'es').slice(0, 2).toLowerCase();
    this.lang = TEXTS[lang] ? lang : 'es';
    this.t = TEXTS[this.lang];
    var theme = host.getAttribute('data-athm-theme') || 'btn';
    this.theme = THEMES.indexOf(theme) >= 0 ? theme : 'btn';
    this.id = 'athm-' + (++counter);
    this.total = checkoutTotal(this.token);
    this.button = el('button', {
      type: 'button',
      'class': 'athm-pay athm-theme-' + this.theme,
      lang: this.lang,
      'aria-haspopup': 'dialog'
    }, [el('span', { text: this.t.pay })]);
    if (this.total) this.button.appendChild(el('span', { text: '· ' + this.total }));
    var self = this;
    this.button.addEventListener('click', function () { self.open(); });
    host.textContent = '';
    host.appendChild(this.button);
  }

  Payment.prototype.open = function () {
    if (this.overlay) return;
    var t = this.t, id = this.id, self = this;
    this.active = true;
    this.dialog = el('div', {
      role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': id + '-title',
      'aria-describedby': id + '-body', 'class': 'athm-dialog', lang: this.lang, tabindex: '-1'
    });
    this.overlay = el('div', { 'class': 'athm-overlay' }, [this.dialog]);
    this.dialog.appendChild(el('h2', { id: id + '-title', text: t.title }));
    this.body = el('div', { id: id + '-body' });
    this.dialog.appendChild(this.body);
    this.dialog.addEventListener('keydown', function (e) { self.onKey(e); });
    document.body.appendChild(this.overlay);
    this.showPhone('');
  };

  Payment.prototype.onKey = function (e) {
    if (e.key === 'Escape') {
      e.preventDefault();
      this.userCancel();
      return;
    }
    if (e.key !== 'Tab') return;
    var focusable = Array.prototype.filter.call(
      this.dialog.querySelectorAll('button,input,a[href],[tabindex]:not([tabindex="-1"])'),
      function (n) { return !n.disabled && n.offsetParent !== null; });
    if (!focusable.length) { e.preventDefault(); return; }
    var first = focusable[0], last = focusable[focusable.length - 1];
    if (e.shiftKey && (document.activeElement === first || document.activeElement === this.dialog)) {
      e.preventDefault(); last.focus();
    } else if (!e.shiftKey && document.activeElement === last) {
      e.preventDefault(); first.focus();
    }
  };

  Payment.prototype.clear = function () {
    this.body.textContent = '';
    this.step = null;
  };

  Payment.prototype.totalLine = function () {
    if (!this.total) return null;
    return el('p', { 'class': 'athm-total' }, [el('strong', { text: this.t.total + ': ' }), document.createTextNode(this.total)]);
  };

  Payment.prototype.showPhone = function (error) {
    var t = this.t, id = this.id, self = this;
    this.clear();
    this.step = 'phone';
    var input = el('input', {
      id: id + '-phone', name: 'phone', type: 'tel', inputmode: 'numeric', autocomplete: 'tel-national',
      required: true, maxlength: '14', 'aria-describedby': id + '-hint ' + id + '-alert',
      'aria-invalid': error ? 'true' : null, value: this.phone || null
    });
    var alert = el('p', { id: id + '-alert', 'class': 'athm-alert', role: 'alert', text: error || '' });
    var submit = el('button', { type: 'submit', 'class': 'athm-primary athm-theme-' + this.theme, text: t.send });
    var cancel = el('button', { type: 'button', 'class': 'athm-secondary', text: t.cancel });
    var form = el('form', { novalidate: true }, [
      this.totalLine(),
      el('label', { 'for': id + '-phone', text: t.phoneLabel }),
      input,
      el('p', { id: id + '-hint', 'class': 'athm-hint', text: t.phoneHint }),
      alert,
      el('div', { 'class': 'athm-actions' }, [submit, cancel])
    ]);
    cancel.addEventListener('click', function () { self.close(); });
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var digits = input.value.replace(/\D/g, '');
      if (digits.length === 11 && digits.charAt(0) === '1') digits = digits.slice(1);
      if (!/^[0-9]{10}$/.test(digits)) {
        input.setAttribute('aria-invalid', 'true');
        alert.textContent = t.invalidPhone;
        input.focus();
        return;
      }
      self.phone = digits;
      submit.disabled = true;
      submit.textContent = t.sending;
      self.initiate(digits);
    });
    this.body.appendChild(form);
    input.focus();
  };

  Payment.prototype.initiate = function (digits) {
    var self = this, t = this.t;
    api('POST', '/api/initiate', { checkout: this.token, phone_number: digits }).then(function (r) {
      if (!self.active) return;
      if (r.ok) {
        self.payment = r.json;
        self.showWaiting();
        return;
      }
      var message = String((r.json && r.json.error) || '');
      if (r.status === 429) self.showPhone(t.tooMany);
      else if (r.status === 400 && message.indexOf('phone_number') === 0) self.showPhone(t.invalidPhone);
      else if (r.status === 400 && message.indexOf('checkout') === 0) self.finish('error', t.checkoutExpired);
      else self.finish('error', t.error);
    }, function () {
      if (self.active) self.showPhone(t.error);
    });
  };

  Payment.prototype.showWaiting = function () {
    var t = this.t, self = this;
    this.clear();
    this.step = 'waiting';
    this.expiresAt = Date.parse(this.payment.expires_at);
    var total = this.payment.total ? '$' + Number(this.payment.total).toFixed(2) : this.total;
    this.timer = el('p', { 'class': 'athm-timer', role: 'timer', 'aria-atomic': 'true', 'aria-labelledby': this.id + '-left' });
    this.live = el('p', { role: 'status', 'aria-live': 'polite', 'class': 'athm-hint' });
    var cancel = el('button', { type: 'button', 'class': 'athm-secondary', text: t.cancelPayment });
    cancel.addEventListener('click', function () { self.userCancel(); });
    [
      el('p', { text: fill(t.sentTo, { total: total, phone: formatPhone(this.phone) }) }),
      el('p', {}, [el('span', { 'class': 'athm-spinner', 'aria-hidden': 'true' }), document.createTextNode(t.approve)]),
      el('p', { id: this.id + '-left', 'class': 'athm-hint', text: t.timeLeft }),
      this.timer,
      this.live,
      el('div', { 'class': 'athm-actions' }, [cancel])
    ].forEach(function (n) { self.body.appendChild(n); });
    this.tick();
    this.ticker = window.setInterval(function () { self.tick(); }, 1000);
    this.schedulePoll();
    cancel.focus();
  };

  Payment.prototype.remaining = function () {
    return Math.max(0, Math.ceil((this.expiresAt - Date.now()) / 1000));
  };

  Payment.prototype.tick = function () {
    if (this.step !== 'waiting') return;
    var left = this.remaining();
    this.timer.textContent = clock(left);
    if (left <= 0) {
      this.cancelRemote();
      this.finish('expired', this.t.expired);
    }
  };

  Payment.prototype.schedulePoll = function () {
    var self = this;
    window.clearTimeout(this.poller);
    this.poller = window.setTimeout(function () { self.poll(); }, POLL_MS);
  };

  Payment.prototype.session = function () {
    return this.payment && this.payment.session;
  };

  Payment.prototype.poll = function () {
    var self = this;
    if (this.step !== 'waiting') return;
    var query = '/api/status?ecommerce_id=' + encodeURIComponent(this.payment.ecommerce_id);
    api('GET', query, null, this.session()).then(function (r) {
      if (self.step !== 'waiting') return;
      if (r.ok) self.onStatus(r.json.status, r.json);
      else if (r.status >= 500 || r.status === 429) self.schedulePoll();
      else self.finish('error', self.t.error);
    }, function () { self.schedulePoll(); });
  };

  Payment.prototype.onStatus = function (status, payment) {
    if (status === 'CONFIRM') this.authorize();
    else if (status === 'COMPLETED') this.succeed(payment);
    else if (status === 'CANCEL') this.finish('declined', this.t.declined);
    else if (status === 'EXPIRED') this.finish('expired', this.t.expired);
    else this.schedulePoll();
  };

  Payment.prototype.authorize = function () {
    var self = this, t = this.t;
    this.step = 'authorizing';
    this.stopTimers();
    this.live.textContent = t.authorizing;
    var ref = { ecommerce_id: this.payment.ecommerce_id };
    api('POST', '/api/authorize', ref, this.session()).then(function (r) {
      if (r.ok && r.json.status === 'COMPLETED') { self.succeed(r.json); return; }
      // Another worker may have completed it, or it ended meanwhile: ask once more.
      var query = '/api/status?ecommerce_id=' + encodeURIComponent(ref.ecommerce_id);
      return api('GET', query, null, self.session()).then(function (s) {
        var status = s.ok ? s.json.status : '';
        if (status === 'COMPLETED') self.succeed(s.json);
        else if (status === 'CANCEL') self.finish('declined', t.declined);
        else if (status === 'EXPIRED') self.finish('expired', t.expired);
        else self.finish('error', t.error);
      });
    }).catch(function () { self.finish('error', t.error); });
  };

  Payment.prototype.succeed = function (payment) {
    var t = this.t;
    this.stopTimers();
    this.step = 'done';
    this.clear();
    this.step = 'done';
    var ref = payment.reference_number || '';
    this.body.appendChild(el('p', { 'class': 'athm-result athm-ok', role: 'status', text: fill(t.completed, { ref: ref }) }));
    var url = this.payment.success_url;
    if (url) {
      this.body.appendChild(el('p', { 'class': 'athm-hint', text: t.redirecting }));
      window.location.assign(withParams(url, { reference_number: ref, ecommerce_id: payment.ecommerce_id }));
    } else {
      this.addClose(t.close, null);
    }
  };

  Payment.prototype.finish = function (outcome, message) {
    this.stopTimers();
    this.clear();
    this.step = 'ended';
    this.outcome = outcome;
    this.body.appendChild(el('p', { 'class': 'athm-result athm-bad', role: 'alert', text: message }));
    if (outcome === 'expired') {
      this.body.appendChild(el('p', { id: this.id + '-left', 'class': 'athm-hint', text: this.t.timeLeft }));
      this.body.appendChild(el('p', { 'class': 'athm-timer', role: 'timer', 'aria-labelledby': this.id + '-left', text: clock(0) }));
    }
    var url = this.payment && this.payment.failure_url;
    var target = url ? withParams(url, { ecommerce_id: this.payment.ecommerce_id, status: outcome }) : null;
    this.addClose(target ? this.t.proceed : this.t.close, target);
  };

  Payment.prototype.addClose = function (label, target) {
    var self = this;
    var button = el('button', { type: 'button', 'class': 'athm-primary athm-theme-' + this.theme, text: label });
    button.addEventListener('click', function () {
      if (target) window.location.assign(target);
      else self.close();
    });
    this.body.appendChild(el('div', { 'class': 'athm-actions' }, [button]));
    button.focus();
  };

  Payment.prototype.cancelRemote = function () {
    if (!this.payment) return;
    api('POST', '/api/cancel', { ecommerce_id: this.payment.ecommerce_id }, this.session()).catch(function () {});
  };

  Payment.prototype.userCancel = function () {
    if (this.step === 'waiting') {
      this.cancelRemote();
      this.finish('cancelled', this.t.cancelled);
    } else if (this.step === 'phone' || this.step === 'ended' || (this.step === 'done' && !this.payment.success_url)) {
      this.close();
    }
  };

  Payment.prototype.stopTimers = function () {
    window.clearInterval(this.ticker);
    window.clearTimeout(this.poller);
  };

  Payment.prototype.close = function () {
    this.stopTimers();
    this.active = false;
    if (this.overlay && this.overlay.parentNode) this.overlay.parentNode.removeChild(this.overlay);
    this.overlay = null;
    this.payment = null;
    this.step = null;
    this.button.focus();
  };

  function scan() {
    injectCss();
    var hosts = document.querySelectorAll('[data-athm-checkout]');
    Array.prototype.forEach.call(hosts, function (host) {
      if (host.athmPayment) return;
      host.athmPayment = new Payment(host);
    });
  }

  window.AthmButton = { scan: scan, version: '1' };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', scan);
  else scan();
})();
