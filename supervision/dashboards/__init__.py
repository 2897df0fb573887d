"""The dashboards room (监察看板): the city's and a centre's figures from the public registry, drawn as
server-rendered SVG charts with a CSV export each."""
