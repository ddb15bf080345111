// Small browser helpers the Blazor UI calls through JS interop.
window.vigil = {
  setCookie(name, value) {
    document.cookie = `${encodeURIComponent(name)}=${encodeURIComponent(value)}; path=/; max-age=31536000; samesite=lax`;
  },
  async copy(text) {
    await navigator.clipboard.writeText(text);
  },
};

// Camera barcode scanning where the browser has BarcodeDetector; resolves to the first code read, or null.
window.vigil.scanBarcode = async function () {
  if (!('BarcodeDetector' in window) || !navigator.mediaDevices?.getUserMedia) {
    return null;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  } catch {
    return null;
  }
  const video = document.createElement('video');
  video.srcObject = stream;
  video.setAttribute('playsinline', '');
  video.style.cssText = 'position:fixed;inset:auto 1rem 1rem auto;width:320px;z-index:2000;border-radius:8px;box-shadow:0 4px 16px #0006';
  document.body.appendChild(video);
  await video.play();
  const detector = new window.BarcodeDetector();
  try {
    for (let tries = 0; tries < 200; tries++) {
      const codes = await detector.detect(video);
      if (codes.length > 0) {
        return codes[0].rawValue;
      }
      await new Promise(r => setTimeout(r, 100));
    }
    return null;
  } finally {
    stream.getTracks().forEach(t => t.stop());
    video.remove();
  }
};
