import type { Directive } from 'vue';

/**
 * `v-field-id="'invite-name'"` on a TDesign input, textarea or select: gives the native control
 * inside it the id, so the form item's `<label for>` names it for screen readers and a click on
 * the label focuses it (TDesign puts other attributes on its wrapper).
 */
function apply(element: HTMLElement, id: string): void {
  const control = element.matches('input, textarea') ? element : element.querySelector<HTMLElement>('input, textarea');
  if (control && control.id !== id) control.id = id;
}

export const vFieldId: Directive<HTMLElement, string> = {
  mounted: (element, binding) => apply(element, binding.value),
  updated: (element, binding) => apply(element, binding.value),
};
