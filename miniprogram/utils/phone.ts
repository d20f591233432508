/** "0535-6916496" → "05356916496": what wx.makePhoneCall dials. */
export function dialString(phone: string): string {
  return phone.replace(/[^\d+]/g, '');
}
