// script: js
// desc: Cartbox test: regex backtrack
function TIC(){
  /(a+)+$/.test("a".repeat(40)+"b")
}
