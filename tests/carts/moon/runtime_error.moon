-- script: moon
boom = (t) ->
  t.missing.x
export TIC = ->
  boom {}
