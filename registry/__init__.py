"""The shared case registry (办件登记簿): one public row per case, linking cases across centres; what
the city, supervision and the public read."""
