-- script: moon
export TIC = ->
  while true do cls 1
