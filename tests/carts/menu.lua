-- title: menu test
-- menu: EASY HARD QUIT
level = "none"
function MENU(i)
  level = ({[0] = "easy", "hard", "quit"})[i]
  trace("menu " .. i)
end
function TIC()
  cls(level == "hard" and 2 or 0)
end
