/*
 * types.h - descriptors of a few composite types shared by the runtime unit tests, written
 * the way the compiler emits them (static, one per type).
 */
#ifndef NOSTOS_TEST_TYPES_H
#define NOSTOS_TEST_TYPES_H

#include "nostos.h"

#define ELEMS(...) ((const nos_type_t *const[]){ __VA_ARGS__ })

/* List[Int], List[String], List[Char], List[List[Int]], List[Float] */
static const nos_type_t t_list_int = { .kind = NT_LIST, .elems = ELEMS(&nos_type_int) };
static const nos_type_t t_list_str = { .kind = NT_LIST, .elems = ELEMS(&nos_type_string) };
static const nos_type_t t_list_char = { .kind = NT_LIST, .elems = ELEMS(&nos_type_char) };
static const nos_type_t t_list_list = { .kind = NT_LIST, .elems = ELEMS(&t_list_int) };
static const nos_type_t t_list_float = { .kind = NT_LIST, .elems = ELEMS(&nos_type_float) };

/* (Int, String) and (Int, Int) */
static const nos_type_t t_int_str = { .kind = NT_TUPLE, .n = 2,
                                      .elems = ELEMS(&nos_type_int, &nos_type_string) };
static const nos_type_t t_int_int = { .kind = NT_TUPLE, .n = 2,
                                      .elems = ELEMS(&nos_type_int, &nos_type_int) };
static const nos_type_t t_list_int_int = { .kind = NT_LIST, .elems = ELEMS(&t_int_int) };

/* type Point = { x: Int, y: Int }, once in the main module and once as geo.Point */
static const char *const point_fields[] = { "x", "y" };
static const nos_type_t t_point = { .kind = NT_RECORD, .n = 2, .name = "Point",
                                    .elems = ELEMS(&nos_type_int, &nos_type_int),
                                    .field_names = point_fields };
static const nos_type_t t_geo_point = { .kind = NT_RECORD, .n = 2, .name = "geo.Point",
                                        .elems = ELEMS(&nos_type_int, &nos_type_int),
                                        .field_names = point_fields };
/* var type Counter = { n: Int } */
static const char *const counter_fields[] = { "n" };
static const nos_type_t t_counter = { .kind = NT_RECORD, .n = 1, .name = "Counter",
                                      .elems = ELEMS(&nos_type_int),
                                      .field_names = counter_fields, .flags = NOS_TF_MUTABLE };
static const nos_type_t t_list_counter = { .kind = NT_LIST, .elems = ELEMS(&t_counter) };

/* Option[Int], Option[String] */
static const nos_ctor_t option_int_ctors[] = {
    { "Some", 1, ELEMS(&nos_type_int), NULL },
    { "None", 0, NULL, NULL },
};
static const nos_type_t t_option_int = { .kind = NT_VARIANT, .n = 2, .name = "Option",
                                         .ctors = option_int_ctors };
static const nos_ctor_t option_str_ctors[] = {
    { "Some", 1, ELEMS(&nos_type_string), NULL },
    { "None", 0, NULL, NULL },
};
static const nos_type_t t_option_str = { .kind = NT_VARIANT, .n = 2, .name = "Option",
                                         .ctors = option_str_ctors };
static const nos_ctor_t option_float_ctors[] = {
    { "Some", 1, ELEMS(&nos_type_float), NULL },
    { "None", 0, NULL, NULL },
};
static const nos_type_t t_option_float = { .kind = NT_VARIANT, .n = 2, .name = "Option",
                                           .ctors = option_float_ctors };

/* type MyList = Cons(Int, MyList) | Nil  (recursive) */
static const nos_type_t t_mylist;
static const nos_ctor_t mylist_ctors[] = {
    { "Cons", 2, ELEMS(&nos_type_int, &t_mylist), NULL },
    { "Nil", 0, NULL, NULL },
};
static const nos_type_t t_mylist = { .kind = NT_VARIANT, .n = 2, .name = "MyList",
                                     .ctors = mylist_ctors };

/* type Left = Node(Left, Int) | Leaf  (left-nested, to exercise deep recursion) */
static const nos_type_t t_left;
static const nos_ctor_t left_ctors[] = {
    { "Node", 2, ELEMS(&t_left, &nos_type_int), NULL },
    { "Leaf", 0, NULL, NULL },
};
static const nos_type_t t_left = { .kind = NT_VARIANT, .n = 2, .name = "Left", .ctors = left_ctors };

/* type Shape = Circle{radius: Float} | Rect(Float, Float) */
static const char *const circle_fields[] = { "radius" };
static const nos_ctor_t shape_ctors[] = {
    { "Circle", 1, ELEMS(&nos_type_float), circle_fields },
    { "Rect", 2, ELEMS(&nos_type_float, &nos_type_float), NULL },
};
static const nos_type_t t_shape = { .kind = NT_VARIANT, .n = 2, .name = "Shape", .ctors = shape_ctors };

/* Map[String, Int], Map[Int, Int], Set[Int], Set[String], Map[(Int, Int), String] */
static const nos_type_t t_map_str_int = { .kind = NT_MAP, .elems = ELEMS(&nos_type_string, &nos_type_int) };
static const nos_type_t t_map_int_int = { .kind = NT_MAP, .elems = ELEMS(&nos_type_int, &nos_type_int) };
static const nos_type_t t_set_int = { .kind = NT_SET, .elems = ELEMS(&nos_type_int) };
static const nos_type_t t_set_str = { .kind = NT_SET, .elems = ELEMS(&nos_type_string) };
static const nos_type_t t_map_pair_str = { .kind = NT_MAP, .elems = ELEMS(&t_int_int, &nos_type_string) };

/* (Int) -> Int */
static const nos_type_t t_fun = { .kind = NT_FUN, .name = "(Int) -> Int" };
static const nos_type_t t_i64arr = { .kind = NT_ARRAY_I64 };

#endif
