// script: js
// desc: Cartbox test: memory hog
var a = []
function TIC(){
  for (;;) a.push(new Array(100000).fill(a.length))
}
