// script: js
// desc: Cartbox test: loop tic
function TIC(){
  while(true){}
}
