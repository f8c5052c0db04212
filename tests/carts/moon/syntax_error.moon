-- script: moon
export TIC = ->
  cls 1
  x = (1 +
