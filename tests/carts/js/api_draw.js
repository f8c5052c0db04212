// title: js api draw
// script: js
// desc: Cartbox test: TIC-80's JavaScript API, drawing with its JS defaults

function BOOT() {
  for (var i = 0; i < 30; i++) { mset(i, 0, 1 + (i % 3)); mset(i, 1, (i % 4)); }
}

function remap(tile, x, y) {
  if (x == 3) return [2, 1, 0];
  if (x == 4) return undefined;
  if (x == 5) return 3;
  return tile;
}

function TIC() {
  cls(5);
  // map(): colour 0 is transparent by default in JavaScript
  map(0, 0, 30, 1, 0, 0);
  map(0, 1, 10, 1, 0, 8, -1, 1, remap);
  spr(1, 10, 20);
  spr(2, 20, 20, [9, 15]);
  spr(3, 30, 20, -1, 2, true);
  spr(1, 50, 20, 0, 1, 2, 1, 2, 1);
  rect(0, 40, 20, 10);
  rect(30, 40, 20, 10, 12);
  rectb(60, 40, 20, 10, 2);
  circ(100, 50, 8, 4);
  circb(130, 50, 8, 6);
  elli(160, 50, 10, 5, 7);
  ellib(190, 50, 10, 5, 8);
  line(0, 70, 239, 80, 11);
  line(0.5, 90.7, 100.2, 60.9);
  tri(10, 100, 40, 90, 30, 120, 3);
  trib(50, 100, 80, 90, 70, 120, 10);
  ttri(90, 90, 130, 90, 90, 130, 0, 0, 16, 0, 0, 16);
  ttri(140, 90, 180, 90, 140, 130, 0, 0, 16, 0, 0, 16, 0, -1);
  pix(200, 100, 14);
  pix(201, 100, pix(200, 100));
  poke(0x3FF8, 260);
  clip(190, 90);
  rect(180, 80, 60, 60, 2);
  clip();
  paint(220, 130, 9, 2);
  memset(0x0 + 120 * 135 + 100, 0x3c, 10);
  vbank(1);
  rect(0, 128, 50, 8, 6);
  vbank(0);
}

// <TILES>
// 001:0123456712345678234567893456789a456789ab56789abc6789abcd789abcde
// 002:fffffffff909909ff099099ff990990ff909909ff099099ff990990fffffffff
// 003:000000000123456702468ace0369cf25048c048c05af49e306c28e4a07e5c3a1
// </TILES>

// <PALETTE>
// 000:1a1c2c5d275db13e53ef7d57ffcd75a7f07038b76425717929366f3b5dc941a6f673eff7f4f4f494b0c2566c86333c57
// </PALETTE>
