// Small browser helpers the Blazor UI calls through JS interop.
window.vigil = {
  setCookie(name, value) {
    document.cookie = `${encodeURIComponent(name)}=${encodeURIComponent(value)}; path=/; max-age=31536000; samesite=lax`;
  },
  async copy(text) {
    await navigator.clipboard.writeText(text);
  },
};
