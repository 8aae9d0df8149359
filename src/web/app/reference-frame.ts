/** A still from a local video file, decoded by the browser: lets ops draw zones before any upload. */
export async function frameFromVideoFile(file: File, atSeconds = 0.5): Promise<Blob> {
  const src = URL.createObjectURL(file);
  const video = document.createElement('video');
  video.muted = true;
  video.preload = 'auto';
  video.src = src;
  try {
    await new Promise<void>((resolve, reject) => {
      video.onloadeddata = () => resolve();
      video.onerror = () => reject(new Error('the browser cannot decode this video'));
    });
    await new Promise<void>((resolve) => {
      video.onseeked = () => resolve();
      video.currentTime = Math.min(atSeconds, Math.max(0, video.duration - 0.1));
    });
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d')!.drawImage(video, 0, 0);
    return await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('could not capture the frame'))), 'image/jpeg', 0.85),
    );
  } finally {
    URL.revokeObjectURL(src);
  }
}
