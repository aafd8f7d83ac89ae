# strings_top: the strings benchmark written at top level (no main function):
# build a line by concatenation, split it, join it, compare pieces.

rounds = 60000  # @size 20
total = 0
for r in range(rounds):
    s = ""
    for i in range(50):
        s = s + "w" + str(i + r % 10) + ","
    parts = s.split(",")
    joined = ";".join(parts)
    hits = 0
    for k in range(len(parts)):
        if parts[k] == "w12":
            hits = hits + 1
    total = total + len(s) + len(joined) + len(parts) + hits
print(total)
