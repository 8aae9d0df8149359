/**
 * Speaks the warning with the Web Speech API, only with a Korean voice: another language's voice would mangle
 * Korean text, so a sign without one stays silent. Browsers let a page speak only after a user gesture unless
 * told otherwise (the sign's kiosk browser runs with --autoplay-policy=no-user-gesture-required, see README).
 */
export function speak(text: string): boolean {
  const synth = window.speechSynthesis as SpeechSynthesis | undefined;
  if (!synth) return false;
  const voice = synth.getVoices().find((v) => v.lang.toLowerCase().startsWith('ko'));
  if (!voice) return false;
  synth.cancel();
  const utterance = new SpeechSynthesisUtterance(text);
  utterance.voice = voice;
  utterance.lang = voice.lang;
  utterance.rate = 0.9;
  synth.speak(utterance);
  return true;
}

/** Browsers load their voices late: asking once early has them ready for the first warning. */
export function warmUpVoices(): void {
  window.speechSynthesis?.getVoices();
}

/** A plate read out character by character: 12가3456 as "1 2 가 3 4 5 6", not "twelve … three thousand …". */
export function spokenPlate(plate: string): string {
  return plate.replace(/(\d)/g, ' $1 ').replace(/\s+/g, ' ').trim();
}

export function announcement(plate: string | null, warning: string): string {
  return plate ? `${spokenPlate(plate)} 차량. ${warning}` : warning;
}
