"""The assessment room (考核): scoring rules, inspections of windows and staff, the daily bulletin (通报),
the monthly awards (为民服务标兵, 群众满意窗口) and the yearly scores."""
