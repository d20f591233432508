/** Hands a file made in the browser to the person, as a download with the given name. */
export function saveFile(content: Blob, fileName: string): void {
  const url = URL.createObjectURL(content);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later: the download may start after this task ends.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
