#!/usr/bin/env python3
"""Write one day of the UCI "PM2.5 Data of Five Chinese Cities" Shanghai
series (CC BY 4.0, Liang et al. 2016) in the layout of China's national
real-time air-quality publication, so that `cityfeed replay` can serve a
real day. Only PM2.5 was measured; the other pollutant cells stay empty.

usage: national-csv-from-uci.py SOURCE.csv YYYY-MM-DD > OUT.csv
"""
import csv
import sys

# The UCI columns and the stations they were measured at. 静安 and 徐汇 are
# the national stations 1147A and 1144A (coordinates from the national
# station list); the US consulate's monitor is not a national station.
SITES = [
    ("PM_Jingan", "1147A", "静安监测站", "121.425", "31.2261"),
    ("PM_Xuhui", "1144A", "徐汇上师大", "121.412", "31.1654"),
    ("PM_US Post", "USCSH", "美国驻沪总领馆", "121.4468", "31.2102"),
]
COLUMNS = ["timepoint", "stationcode", "positionname", "longitude", "latitude",
           "so2", "no2", "co", "o3", "pm10", "pm2_5"]


def main():
    src, day = sys.argv[1], sys.argv[2]
    y, m, d = (int(x) for x in day.split("-"))
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(COLUMNS)
    with open(src, newline="") as f:
        for row in csv.DictReader(f):
            if (int(row["year"]), int(row["month"]), int(row["day"])) != (y, m, d):
                continue
            t = "%04d-%02d-%02d %02d:00:00" % (y, m, d, int(row["hour"]))
            for col, code, name, lon, lat in SITES:
                pm = row[col].strip()
                if pm in ("", "NA"):
                    pm = ""
                out.writerow([t, code, name, lon, lat, "", "", "", "", "", pm])


if __name__ == "__main__":
    main()
