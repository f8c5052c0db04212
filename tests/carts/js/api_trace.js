// title: js api trace
// script: js
// desc: Cartbox test: what TIC-80's JavaScript API returns, and the checks it never raises

var frame = 0;

function TIC() {
  frame++;
  trace(1.5); trace(1/3); trace(1e21); trace({}); trace([1, 2, 3]); trace(); trace(true);
  trace(key(200)); trace(keyp(-1)); trace(key()); trace(keyp());
  trace(pmem(300)); trace(pmem(0, -1)); trace(pmem(0));
  trace(btn()); trace(btn(4)); trace(btnp()); trace(btnp(36, 1, 1));
  sfx(100); sfx(0, "Z9"); sfx(0, 60, 5, 7); music(9); sync(0, 9);
  poke(0x14000, 300); trace(peek(0x14000)); trace(peek(0x14000, 4)); trace(peek4(0x28000 + 1));
  poke1(0x14001 * 8, 5); trace(peek1(0x14001 * 8));
  poke2(4, 7); trace(peek2(4)); poke4(10, 31); trace(peek4(10));
  trace(mget(2, 3)); mset(2, 3, 300); trace(mget(2, 3));
  fset(5, 2, 1); trace(fget(5, 2)); trace(fget(5, 258)); fset(5, 2, 0); trace(fget(5, 2));
  trace(mouse().length); trace(typeof mouse()[2]);
  trace(vbank()); trace(vbank(1)); trace(vbank(0)); trace(vbank());
  trace(typeof tstamp()); trace(Number.isInteger(tstamp()));
  trace(time());
  trace(fft(0)); trace(ffts(0, 10));
  trace(typeof require); trace(typeof std); trace(typeof os); trace(typeof console);
  trace(typeof process); trace(typeof globalThis.print);
  trace("colour", 3);
  if (frame == 2) exit();
}
