/* Accessibility repairs to Dash 4's own component markup, and keyboard focus across re-renders.

   Dash 4 draws RadioItems/Checklist as role="listbox" with role="option" labels around native inputs
   (nested interactive controls with no group name), its Dropdown behind an aria-hidden input that
   takes Tab and passes focus on, and the DatePicker's ARIA on a plain div. Native radios, checkboxes
   and buttons say all that themselves, so the ARIA is taken off and each group is named by its
   visible label. Each repair is idempotent: the observer runs it again after every React update.

   A view change (month, region...) re-renders the page, controls included, which drops focus to the
   body; the focused control is remembered and focused again once its replacement is drawn. */
(function () {
  'use strict';

  function labelFor(el) {
    // The visible label of a control: label[for=id], else the control-label in its .control box.
    if (el.id) {
      const byFor = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (byFor) return byFor;
    }
    const box = el.closest('.control, .mb-3, .form-group, fieldset');
    return box ? box.querySelector('label, legend, .control-label, .form-label') : null;
  }

  let counter = 0;
  function idOf(el) {
    if (!el.id) el.id = 'a11y-label-' + (++counter);
    return el.id;
  }

  function setAttr(el, name, value) {
    if (value === null) { if (el.hasAttribute(name)) el.removeAttribute(name); }
    else if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function repairOptionLists(root) {
    root.querySelectorAll('.dash-options-list').forEach(function (list) {
      if (list.closest('.dash-dropdown-content')) return;  // a dropdown's own listbox is right as it is
      const radios = list.querySelector('input[type=radio]');
      const options = list.querySelectorAll('.dash-options-list-option').length;
      // one lone checkbox is its own labelled control; a set of them or of radios is a named group
      setAttr(list, 'role', radios ? 'radiogroup' : (options > 1 ? 'group' : null));
      if (list.getAttribute('role') && !list.hasAttribute('aria-label')) {
        const label = labelFor(list);
        if (label && !list.contains(label)) setAttr(list, 'aria-labelledby', idOf(label));
      }
      list.querySelectorAll('.dash-options-list-option').forEach(function (option) {
        setAttr(option, 'role', null);
        setAttr(option, 'aria-selected', null);
      });
    });
  }

  function repairDropdowns(root) {
    root.querySelectorAll('.dash-dropdown-wrapper').forEach(function (wrapper) {
      const proxy = wrapper.querySelector(':scope > .dash-dropdown-focus-target');
      const button = wrapper.querySelector(':scope > button.dash-dropdown');
      if (!button) return;
      if (proxy) setAttr(proxy, 'tabindex', '-1');  // Tab lands on the button itself
      if (!button.disabled) setAttr(button, 'tabindex', '0');
      const label = labelFor(button);
      const value = Array.from(button.querySelectorAll('.dash-dropdown-value')).map(idOf);
      if (label) setAttr(button, 'aria-labelledby', [idOf(label)].concat(value).join(' '));
    });
  }

  function repairDatePickers(root) {
    root.querySelectorAll('.dash-datepicker-input-wrapper').forEach(function (wrapper) {
      const input = wrapper.querySelector('input');
      ['aria-labelledby', 'aria-haspopup', 'aria-expanded', 'aria-disabled', 'type'].forEach(function (a) {
        setAttr(wrapper, a, null);
      });
      if (!input) return;
      const label = labelFor(input);
      if (label) { setAttr(input, 'aria-labelledby', idOf(label)); setAttr(input, 'aria-label', null); }
    });
  }

  function repairUploads(root) {
    // dcc.Upload's hidden file input: named by the drop zone's own words.
    root.querySelectorAll('input[type=file]:not([aria-label])').forEach(function (input) {
      const zone = input.parentElement;
      const words = zone && zone.innerText ? zone.innerText.trim().split('\n')[0] : '';
      setAttr(input, 'aria-label', words || 'Choose a file');
      setAttr(input, 'tabindex', '-1');  // the drop zone itself takes focus and opens the chooser
    });
  }

  function hideChartDrawings(root) {
    // A chart's words are its figcaption and figures table; the SVG's loose labels say nothing alone.
    root.querySelectorAll('.chart-figure .js-plotly-plot .main-svg, .slide-graph .main-svg').forEach(function (svg) {
      setAttr(svg, 'aria-hidden', 'true');
    });
  }

  function repair(root) {
    hideChartDrawings(root);
    repairOptionLists(root);
    repairDropdowns(root);
    repairDatePickers(root);
    repairUploads(root);
  }

  // The Menu button (narrow screens): opens and closes the page links.
  document.addEventListener('click', function (event) {
    const toggle = event.target.closest('#nav-toggle');
    const header = document.querySelector('.app-header');
    if (!header) return;
    if (toggle) {
      const open = !header.classList.contains('nav-open');
      header.classList.toggle('nav-open', open);
      toggle.setAttribute('aria-expanded', String(open));
    } else if (event.target.closest('#main-nav .nav-link')) {
      header.classList.remove('nav-open');
      const button = document.getElementById('nav-toggle');
      if (button) button.setAttribute('aria-expanded', 'false');
    }
  });

  // Focus kept across a re-render: where it was (a control's id, or a box's id and the input's value).
  let remembered = null;
  function describe(el) {
    if (!el || el === document.body) return null;
    if (el.matches('input[type=radio], input[type=checkbox]')) {
      const box = el.closest('[id]');
      return box ? {box: box.id, value: el.value} : null;
    }
    const dropdown = el.closest('.dash-dropdown-wrapper');
    if (dropdown) {
      const button = dropdown.querySelector('button.dash-dropdown');
      return button && button.id ? {id: button.id} : null;
    }
    return el.id ? {id: el.id} : null;
  }
  function find(place) {
    if (!place) return null;
    if (place.id) return document.getElementById(place.id);
    const box = document.getElementById(place.box);
    return box ? Array.from(box.querySelectorAll('input')).find(i => i.value === place.value) || null : null;
  }
  document.addEventListener('focusin', function (event) {
    const place = describe(event.target);
    if (place) remembered = {place: place, at: Date.now()};
  });
  document.addEventListener('keydown', function () {  // a key on a control: its focus is wanted
    const place = describe(document.activeElement);
    if (place) remembered = {place: place, at: Date.now()};
  }, true);

  function restoreFocus() {
    if (!remembered || Date.now() - remembered.at > 15000) return;
    const active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
    const target = find(remembered.place);
    if (target && target.offsetParent !== null) target.focus({preventScroll: true});
  }

  let queued = false;
  const observer = new MutationObserver(function () {
    if (queued) return;
    queued = true;
    requestAnimationFrame(function () {
      queued = false;
      observer.disconnect();
      repair(document);
      restoreFocus();
      observer.observe(document.body, {childList: true, subtree: true, attributes: true,
                                       attributeFilter: ['role', 'tabindex', 'aria-expanded', 'aria-labelledby']});
    });
  });
  function start() {
    repair(document);
    observer.observe(document.body, {childList: true, subtree: true, attributes: true,
                                     attributeFilter: ['role', 'tabindex', 'aria-expanded', 'aria-labelledby']});
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
