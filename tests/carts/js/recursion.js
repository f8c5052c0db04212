// script: js
// desc: Cartbox test: recursion
function f(n){ return f(n+1)+1 }
function TIC(){
  f(0)
}
