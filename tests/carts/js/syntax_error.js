// script: js
// desc: Cartbox test: syntax error
function TIC(){
  x = ;
}
