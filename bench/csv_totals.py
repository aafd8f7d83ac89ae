# csv_totals: a report script over a CSV file. Writes 300,000 sales rows
# (id,customer,region,quantity,price; a fixed pseudo-random sequence) to a
# temporary file, reads it back whole as lines, splits every line and
# totals quantity * price per customer and per region in dicts.
import os


def main():
    rows = 300000  # @size 2000
    path = "/tmp/langoost-bench-csv_totals-" + str(os.getpid()) + ".csv"
    with open(path, "w") as out:
        out.write("id,customer,region,quantity,price\n")
        seed = 42
        chunk = ""
        for i in range(rows):
            seed = seed * 48271 % 2147483647
            customer = seed % 5000
            region = seed // 5000 % 8
            quantity = seed // 40000 % 20 + 1
            price = seed // 800000 % 1000 + 1
            chunk = chunk + str(i) + ",c" + str(customer) + ",r" + str(region) + "," + str(quantity) + "," + str(price) + "\n"
            if i % 1000 == 999:
                out.write(chunk)
                chunk = ""
        out.write(chunk)

    by_customer = {}
    by_region = {}
    with open(path) as f:
        lines = f.read().splitlines()
    header = True
    for line in lines:
        if header:
            header = False
            continue
        fields = line.split(",")
        amount = int(fields[3]) * int(fields[4])
        customer = fields[1]
        sofar = by_customer.get(customer)
        if sofar is None:
            by_customer[customer] = amount
        else:
            by_customer[customer] = sofar + amount
        region = fields[2]
        r = by_region.get(region)
        if r is None:
            by_region[region] = amount
        else:
            by_region[region] = r + amount
    os.remove(path)
    customers = 0
    best = 0
    for c in sorted(by_customer):
        customers = customers + 1
        if by_customer[c] > best:
            best = by_customer[c]
    total = 0
    for r in sorted(by_region):
        total = total + by_region[r]
    print(customers, best, total)


main()
